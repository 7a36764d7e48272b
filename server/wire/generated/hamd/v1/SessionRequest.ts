// Original file: proto/hamd/v1/hamd.proto

import type { SessionOpen as _hamd_v1_SessionOpen, SessionOpen__Output as _hamd_v1_SessionOpen__Output } from '../../hamd/v1/SessionOpen';
import type { SessionStep as _hamd_v1_SessionStep, SessionStep__Output as _hamd_v1_SessionStep__Output } from '../../hamd/v1/SessionStep';
import type { SessionClose as _hamd_v1_SessionClose, SessionClose__Output as _hamd_v1_SessionClose__Output } from '../../hamd/v1/SessionClose';
import type { FramedCall as _hamd_v1_FramedCall, FramedCall__Output as _hamd_v1_FramedCall__Output } from '../../hamd/v1/FramedCall';

export interface SessionRequest {
  'open'?: (_hamd_v1_SessionOpen | null);
  'step'?: (_hamd_v1_SessionStep | null);
  'close'?: (_hamd_v1_SessionClose | null);
  'call'?: (_hamd_v1_FramedCall | null);
  'message'?: "open"|"step"|"close"|"call";
}

export interface SessionRequest__Output {
  'open'?: (_hamd_v1_SessionOpen__Output);
  'step'?: (_hamd_v1_SessionStep__Output);
  'close'?: (_hamd_v1_SessionClose__Output);
  'call'?: (_hamd_v1_FramedCall__Output);
  'message'?: "open"|"step"|"close"|"call";
}
