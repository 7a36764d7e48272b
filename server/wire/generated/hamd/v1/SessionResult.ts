// Original file: proto/hamd/v1/hamd.proto

import type { StructurePrediction as _hamd_v1_StructurePrediction, StructurePrediction__Output as _hamd_v1_StructurePrediction__Output } from '../../hamd/v1/StructurePrediction';
import type { Long } from '@grpc/proto-loader';

export interface SessionResult {
  'step'?: (number | string | Long);
  'prediction'?: (_hamd_v1_StructurePrediction | null);
  'neighbors_rebuilt'?: (boolean);
  'compute_us'?: (number | string);
  'queue_us'?: (number | string);
  'error_code'?: (number);
  'error_message'?: (string);
}

export interface SessionResult__Output {
  'step'?: (number);
  'prediction'?: (_hamd_v1_StructurePrediction__Output);
  'neighbors_rebuilt'?: (boolean);
  'compute_us'?: (number);
  'queue_us'?: (number);
  'error_code'?: (number);
  'error_message'?: (string);
}
