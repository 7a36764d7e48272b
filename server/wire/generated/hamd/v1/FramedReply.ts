// Original file: proto/hamd/v1/hamd.proto


export interface FramedReply {
  'code'?: (number);
  'message'?: (string);
  'response'?: (Buffer | Uint8Array | string);
  'retry_ms'?: (number);
}

export interface FramedReply__Output {
  'code'?: (number);
  'message'?: (string);
  'response'?: (Buffer);
  'retry_ms'?: (number);
}
