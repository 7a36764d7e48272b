// Original file: proto/hamd/v1/hamd.proto

import type { SessionOpened as _hamd_v1_SessionOpened, SessionOpened__Output as _hamd_v1_SessionOpened__Output } from '../../hamd/v1/SessionOpened';
import type { SessionResult as _hamd_v1_SessionResult, SessionResult__Output as _hamd_v1_SessionResult__Output } from '../../hamd/v1/SessionResult';
import type { SessionClosed as _hamd_v1_SessionClosed, SessionClosed__Output as _hamd_v1_SessionClosed__Output } from '../../hamd/v1/SessionClosed';

export interface SessionResponse {
  'opened'?: (_hamd_v1_SessionOpened | null);
  'result'?: (_hamd_v1_SessionResult | null);
  'closed'?: (_hamd_v1_SessionClosed | null);
  'message'?: "opened"|"result"|"closed";
}

export interface SessionResponse__Output {
  'opened'?: (_hamd_v1_SessionOpened__Output);
  'result'?: (_hamd_v1_SessionResult__Output);
  'closed'?: (_hamd_v1_SessionClosed__Output);
  'message'?: "opened"|"result"|"closed";
}
