// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface UnregisterSharedMemoryRequest {
  'name'?: (string);
  'owner_pid'?: (number | string | Long);
}

export interface UnregisterSharedMemoryRequest__Output {
  'name'?: (string);
  'owner_pid'?: (number);
}
