// Original file: proto/hamd/v1/hamd.proto

import type { Labels as _hamd_v1_Labels, Labels__Output as _hamd_v1_Labels__Output } from '../../hamd/v1/Labels';

export interface OrbitalLabels {
  'orbitals'?: (_hamd_v1_Labels | null);
  'names'?: (string)[];
}

export interface OrbitalLabels__Output {
  'orbitals'?: (_hamd_v1_Labels__Output);
  'names': (string)[];
}
