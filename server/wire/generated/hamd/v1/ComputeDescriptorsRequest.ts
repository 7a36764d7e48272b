// Original file: proto/hamd/v1/hamd.proto

import type { Structure as _hamd_v1_Structure, Structure__Output as _hamd_v1_Structure__Output } from '../../hamd/v1/Structure';
import type { Hypers as _hamd_v1_Hypers, Hypers__Output as _hamd_v1_Hypers__Output } from '../../hamd/v1/Hypers';
import type { OutputRegion as _hamd_v1_OutputRegion, OutputRegion__Output as _hamd_v1_OutputRegion__Output } from '../../hamd/v1/OutputRegion';

export interface ComputeDescriptorsRequest {
  'structures'?: (_hamd_v1_Structure)[];
  'kind'?: (string);
  'hypers'?: (_hamd_v1_Hypers | null);
  'species'?: (number)[];
  'max_lambda'?: (number);
  'gradients'?: (string)[];
  'output_region'?: (_hamd_v1_OutputRegion | null);
  '_max_lambda'?: "max_lambda";
}

export interface ComputeDescriptorsRequest__Output {
  'structures': (_hamd_v1_Structure__Output)[];
  'kind'?: (string);
  'hypers'?: (_hamd_v1_Hypers__Output);
  'species': (number)[];
  'max_lambda'?: (number);
  'gradients': (string)[];
  'output_region'?: (_hamd_v1_OutputRegion__Output);
  '_max_lambda'?: "max_lambda";
}
