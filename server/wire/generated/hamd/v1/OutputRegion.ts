// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface OutputRegion {
  'name'?: (string);
  'offset'?: (number | string | Long);
  'byte_size'?: (number | string | Long);
}

export interface OutputRegion__Output {
  'name'?: (string);
  'offset'?: (number);
  'byte_size'?: (number);
}
