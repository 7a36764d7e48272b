// Original file: proto/hamd/v1/hamd.proto

import type { Labels as _hamd_v1_Labels, Labels__Output as _hamd_v1_Labels__Output } from '../../hamd/v1/Labels';
import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';

export interface GradientBlock {
  'parameter'?: (string);
  'samples'?: (_hamd_v1_Labels | null);
  'components'?: (_hamd_v1_Labels)[];
  'values'?: (_hamd_v1_Array | null);
}

export interface GradientBlock__Output {
  'parameter'?: (string);
  'samples'?: (_hamd_v1_Labels__Output);
  'components': (_hamd_v1_Labels__Output)[];
  'values'?: (_hamd_v1_Array__Output);
}
