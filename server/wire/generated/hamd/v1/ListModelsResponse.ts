// Original file: proto/hamd/v1/hamd.proto

import type { ModelInfo as _hamd_v1_ModelInfo, ModelInfo__Output as _hamd_v1_ModelInfo__Output } from '../../hamd/v1/ModelInfo';

export interface ListModelsResponse {
  'models'?: (_hamd_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_hamd_v1_ModelInfo__Output)[];
}
