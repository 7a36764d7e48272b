// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface Array {
  'dtype'?: (string);
  'shape'?: (number | string | Long)[];
  'data'?: (Buffer | Uint8Array | string);
  'in_region'?: (boolean);
  'region_offset'?: (number | string | Long);
}

export interface Array__Output {
  'dtype'?: (string);
  'shape': (number)[];
  'data'?: (Buffer);
  'in_region'?: (boolean);
  'region_offset'?: (number);
}
