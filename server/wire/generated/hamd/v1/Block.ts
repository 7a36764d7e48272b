// Original file: proto/hamd/v1/hamd.proto

import type { Labels as _hamd_v1_Labels, Labels__Output as _hamd_v1_Labels__Output } from '../../hamd/v1/Labels';
import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from '../../hamd/v1/Array';
import type { GradientBlock as _hamd_v1_GradientBlock, GradientBlock__Output as _hamd_v1_GradientBlock__Output } from '../../hamd/v1/GradientBlock';

export interface Block {
  'samples'?: (_hamd_v1_Labels | null);
  'components'?: (_hamd_v1_Labels)[];
  'properties'?: (_hamd_v1_Labels | null);
  'values'?: (_hamd_v1_Array | null);
  'gradients'?: (_hamd_v1_GradientBlock)[];
}

export interface Block__Output {
  'samples'?: (_hamd_v1_Labels__Output);
  'components': (_hamd_v1_Labels__Output)[];
  'properties'?: (_hamd_v1_Labels__Output);
  'values'?: (_hamd_v1_Array__Output);
  'gradients': (_hamd_v1_GradientBlock__Output)[];
}
