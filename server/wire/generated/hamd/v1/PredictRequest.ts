// Original file: proto/hamd/v1/hamd.proto

import type { Structure as _hamd_v1_Structure, Structure__Output as _hamd_v1_Structure__Output } from '../../hamd/v1/Structure';

export interface PredictRequest {
  'structures'?: (_hamd_v1_Structure)[];
  'model'?: (string);
  'outputs'?: (string)[];
  'units'?: (string);
  'order'?: (string);
  'variant'?: (string);
  'charge'?: (number);
  'n_states'?: (number);
}

export interface PredictRequest__Output {
  'structures': (_hamd_v1_Structure__Output)[];
  'model'?: (string);
  'outputs': (string)[];
  'units'?: (string);
  'order'?: (string);
  'variant'?: (string);
  'charge'?: (number);
  'n_states'?: (number);
}
