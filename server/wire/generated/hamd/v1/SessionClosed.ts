// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface SessionClosed {
  'steps'?: (number | string | Long);
  'neighbor_rebuilds'?: (number | string | Long);
}

export interface SessionClosed__Output {
  'steps'?: (number);
  'neighbor_rebuilds'?: (number);
}
