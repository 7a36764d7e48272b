// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface MethodStatistics {
  'method'?: (string);
  'model'?: (string);
  'success'?: (number | string | Long);
  'failure'?: (number | string | Long);
  'failure_codes'?: ({[key: string]: number | string | Long});
  'queue_us'?: (number | string);
  'compute_us'?: (number | string);
  'total_us'?: (number | string);
  'structures'?: (number | string | Long);
  'atoms'?: (number | string | Long);
}

export interface MethodStatistics__Output {
  'method'?: (string);
  'model'?: (string);
  'success'?: (number);
  'failure'?: (number);
  'failure_codes'?: ({[key: string]: number});
  'queue_us'?: (number);
  'compute_us'?: (number);
  'total_us'?: (number);
  'structures'?: (number);
  'atoms'?: (number);
}
