// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface SharedMemoryRegion {
  'name'?: (string);
  'path'?: (string);
  'byte_size'?: (number | string | Long);
  'owner_pid'?: (number | string | Long);
  'busy'?: (boolean);
  'requests'?: (number | string | Long);
}

export interface SharedMemoryRegion__Output {
  'name'?: (string);
  'path'?: (string);
  'byte_size'?: (number);
  'owner_pid'?: (number);
  'busy'?: (boolean);
  'requests'?: (number);
}
