// Original file: proto/hamd/v1/hamd.proto

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';

export interface SessionOpen {
  'atomic_numbers'?: (number)[];
  'cell'?: (_hamd_v1_Array | null);
  'pbc'?: (boolean)[];
  'outputs'?: (string)[];
  'model'?: (string);
  'hamiltonian_model'?: (string);
  'units'?: (string);
  'order'?: (string);
  'charge'?: (number);
  'skin'?: (number | string);
  'contributing'?: (boolean)[];
  '_skin'?: "skin";
}

export interface SessionOpen__Output {
  'atomic_numbers': (number)[];
  'cell'?: (_hamd_v1_Array__Output);
  'pbc': (boolean)[];
  'outputs': (string)[];
  'model'?: (string);
  'hamiltonian_model'?: (string);
  'units'?: (string);
  'order'?: (string);
  'charge'?: (number);
  'skin'?: (number);
  'contributing': (boolean)[];
  '_skin'?: "skin";
}
