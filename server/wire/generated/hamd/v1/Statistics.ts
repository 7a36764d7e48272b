// Original file: proto/hamd/v1/hamd.proto

import type { MethodStatistics as _hamd_v1_MethodStatistics, MethodStatistics__Output as _hamd_v1_MethodStatistics__Output } from '../../hamd/v1/MethodStatistics';

export interface Statistics {
  'uptime_s'?: (number | string);
  'methods'?: (_hamd_v1_MethodStatistics)[];
  'open_sessions'?: (number);
}

export interface Statistics__Output {
  'uptime_s'?: (number);
  'methods': (_hamd_v1_MethodStatistics__Output)[];
  'open_sessions'?: (number);
}
