// Original file: proto/hamd/v1/hamd.proto

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';

export interface Structure {
  'atomic_numbers'?: (number)[];
  'positions'?: (_hamd_v1_Array | null);
  'cell'?: (_hamd_v1_Array | null);
  'pbc'?: (boolean)[];
}

export interface Structure__Output {
  'atomic_numbers': (number)[];
  'positions'?: (_hamd_v1_Array__Output);
  'cell'?: (_hamd_v1_Array__Output);
  'pbc': (boolean)[];
}
