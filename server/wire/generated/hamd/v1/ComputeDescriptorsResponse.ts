// Original file: proto/hamd/v1/hamd.proto

import type { Labels as _hamd_v1_Labels, Labels__Output as _hamd_v1_Labels__Output } from '../../hamd/v1/Labels';
import type { Block as _hamd_v1_Block, Block__Output as _hamd_v1_Block__Output } from '../../hamd/v1/Block';
import type { Long } from '@grpc/proto-loader';

export interface ComputeDescriptorsResponse {
  'keys'?: (_hamd_v1_Labels | null);
  'blocks'?: (_hamd_v1_Block)[];
  'compute_us'?: (number | string);
  'queue_us'?: (number | string);
  'output_bytes'?: (number | string | Long);
}

export interface ComputeDescriptorsResponse__Output {
  'keys'?: (_hamd_v1_Labels__Output);
  'blocks': (_hamd_v1_Block__Output)[];
  'compute_us'?: (number);
  'queue_us'?: (number);
  'output_bytes'?: (number);
}
