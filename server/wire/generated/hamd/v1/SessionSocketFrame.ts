// Original file: proto/hamd/v1/hamd.proto

import type { SessionResponse as _hamd_v1_SessionResponse, SessionResponse__Output as _hamd_v1_SessionResponse__Output } from '../../hamd/v1/SessionResponse';
import type { SessionEnd as _hamd_v1_SessionEnd, SessionEnd__Output as _hamd_v1_SessionEnd__Output } from '../../hamd/v1/SessionEnd';

export interface SessionSocketFrame {
  'response'?: (_hamd_v1_SessionResponse | null);
  'end'?: (_hamd_v1_SessionEnd | null);
  'frame'?: "response"|"end";
}

export interface SessionSocketFrame__Output {
  'response'?: (_hamd_v1_SessionResponse__Output);
  'end'?: (_hamd_v1_SessionEnd__Output);
  'frame'?: "response"|"end";
}
