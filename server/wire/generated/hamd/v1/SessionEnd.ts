// Original file: proto/hamd/v1/hamd.proto


export interface SessionEnd {
  'code'?: (number);
  'message'?: (string);
}

export interface SessionEnd__Output {
  'code'?: (number);
  'message'?: (string);
}
