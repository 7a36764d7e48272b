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
  'potential_exponent'?: (number | string);
  'correlation_order'?: (number);
  'nonlinearity'?: (string);
  'k_cutoff'?: (number | string);
  'device'?: (string);
  'contraction'?: (string);
  '_max_lambda'?: "max_lambda";
  '_potential_exponent'?: "potential_exponent";
  '_correlation_order'?: "correlation_order";
  '_nonlinearity'?: "nonlinearity";
  '_k_cutoff'?: "k_cutoff";
}

export interface ComputeDescriptorsRequest__Output {
  'structures': (_hamd_v1_Structure__Output)[];
  'kind'?: (string);
  'hypers'?: (_hamd_v1_Hypers__Output);
  'species': (number)[];
  'max_lambda'?: (number);
  'gradients': (string)[];
  'output_region'?: (_hamd_v1_OutputRegion__Output);
  'potential_exponent'?: (number);
  'correlation_order'?: (number);
  'nonlinearity'?: (string);
  'k_cutoff'?: (number);
  'device'?: (string);
  'contraction'?: (string);
  '_max_lambda'?: "max_lambda";
  '_potential_exponent'?: "potential_exponent";
  '_correlation_order'?: "correlation_order";
  '_nonlinearity'?: "nonlinearity";
  '_k_cutoff'?: "k_cutoff";
}
