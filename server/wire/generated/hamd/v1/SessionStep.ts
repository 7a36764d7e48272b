// Original file: proto/hamd/v1/hamd.proto

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';

export interface SessionStep {
  'positions'?: (_hamd_v1_Array | null);
  'cell'?: (_hamd_v1_Array | null);
}

export interface SessionStep__Output {
  'positions'?: (_hamd_v1_Array__Output);
  'cell'?: (_hamd_v1_Array__Output);
}
