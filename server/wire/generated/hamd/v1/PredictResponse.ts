// Original file: proto/hamd/v1/hamd.proto

import type { StructurePrediction as _hamd_v1_StructurePrediction, StructurePrediction__Output as _hamd_v1_StructurePrediction__Output } from '../../hamd/v1/StructurePrediction';

export interface PredictResponse {
  'model'?: (string);
  'units'?: (string);
  'order'?: (string);
  'structures'?: (_hamd_v1_StructurePrediction)[];
  'compute_us'?: (number | string);
  'queue_us'?: (number | string);
}

export interface PredictResponse__Output {
  'model'?: (string);
  'units'?: (string);
  'order'?: (string);
  'structures': (_hamd_v1_StructurePrediction__Output)[];
  'compute_us'?: (number);
  'queue_us'?: (number);
}
