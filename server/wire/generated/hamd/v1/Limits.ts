// Original file: proto/hamd/v1/hamd.proto

import type { Long } from '@grpc/proto-loader';

export interface Limits {
  'max_atoms_per_request'?: (number | string | Long);
  'max_structures_per_request'?: (number | string | Long);
  'max_message_bytes'?: (number | string | Long);
  'max_output_bytes'?: (number | string | Long);
  'max_response_bytes'?: (number | string | Long);
  'max_sessions'?: (number | string | Long);
  'session_idle_timeout_s'?: (number | string);
  'max_shared_memory_bytes'?: (number | string | Long);
  'max_chunk_bytes'?: (number | string | Long);
  'stalled_stream_timeout_s'?: (number | string);
  'memory_budget_bytes'?: (number | string | Long);
}

export interface Limits__Output {
  'max_atoms_per_request'?: (number);
  'max_structures_per_request'?: (number);
  'max_message_bytes'?: (number);
  'max_output_bytes'?: (number);
  'max_response_bytes'?: (number);
  'max_sessions'?: (number);
  'session_idle_timeout_s'?: (number);
  'max_shared_memory_bytes'?: (number);
  'max_chunk_bytes'?: (number);
  'stalled_stream_timeout_s'?: (number);
  'memory_budget_bytes'?: (number);
}
