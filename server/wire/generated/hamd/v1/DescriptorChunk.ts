// Original file: proto/hamd/v1/hamd.proto

import type { ComputeDescriptorsResponse as _hamd_v1_ComputeDescriptorsResponse, ComputeDescriptorsResponse__Output as _hamd_v1_ComputeDescriptorsResponse__Output } from '../../hamd/v1/ComputeDescriptorsResponse';
import type { Long } from '@grpc/proto-loader';

export interface DescriptorChunk {
  'header'?: (_hamd_v1_ComputeDescriptorsResponse | null);
  'block'?: (number);
  'gradient'?: (number);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface DescriptorChunk__Output {
  'header'?: (_hamd_v1_ComputeDescriptorsResponse__Output);
  'block'?: (number);
  'gradient'?: (number);
  'offset'?: (number);
  'data'?: (Buffer);
}
