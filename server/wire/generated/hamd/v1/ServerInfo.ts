// Original file: proto/hamd/v1/hamd.proto

import type { Limits as _hamd_v1_Limits, Limits__Output as _hamd_v1_Limits__Output } from '../../hamd/v1/Limits';

export interface ServerInfo {
  'version'?: (string);
  'api_version'?: (string);
  'capabilities'?: (string)[];
  'threads'?: (number);
  'limits'?: (_hamd_v1_Limits | null);
  'descriptor_kinds'?: (string)[];
  'addon_build'?: (string);
  'open_sessions'?: (number);
  'session_socket'?: (string);
}

export interface ServerInfo__Output {
  'version'?: (string);
  'api_version'?: (string);
  'capabilities': (string)[];
  'threads'?: (number);
  'limits'?: (_hamd_v1_Limits__Output);
  'descriptor_kinds': (string)[];
  'addon_build'?: (string);
  'open_sessions'?: (number);
  'session_socket'?: (string);
}
