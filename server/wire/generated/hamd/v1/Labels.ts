// Original file: proto/hamd/v1/hamd.proto

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';

export interface Labels {
  'names'?: (string)[];
  'values'?: (_hamd_v1_Array | null);
}

export interface Labels__Output {
  'names': (string)[];
  'values'?: (_hamd_v1_Array__Output);
}
