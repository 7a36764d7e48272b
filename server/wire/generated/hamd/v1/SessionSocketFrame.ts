// Original file: proto/hamd/v1/hamd.proto

import type { SessionResponse as _hamd_v1_SessionResponse, SessionResponse__Output as _hamd_v1_SessionResponse__Output } from '../../hamd/v1/SessionResponse';
import type { SessionEnd as _hamd_v1_SessionEnd, SessionEnd__Output as _hamd_v1_SessionEnd__Output } from '../../hamd/v1/SessionEnd';
import type { FramedReply as _hamd_v1_FramedReply, FramedReply__Output as _hamd_v1_FramedReply__Output } from '../../hamd/v1/FramedReply';

export interface SessionSocketFrame {
  'response'?: (_hamd_v1_SessionResponse | null);
  'end'?: (_hamd_v1_SessionEnd | null);
  'reply'?: (_hamd_v1_FramedReply | null);
  'frame'?: "response"|"end"|"reply";
}

export interface SessionSocketFrame__Output {
  'response'?: (_hamd_v1_SessionResponse__Output);
  'end'?: (_hamd_v1_SessionEnd__Output);
  'reply'?: (_hamd_v1_FramedReply__Output);
  'frame'?: "response"|"end"|"reply";
}
