// Original file: proto/hamd/v1/hamd.proto


export interface FramedCall {
  'method'?: (string);
  'request'?: (Buffer | Uint8Array | string);
  'timeout_s'?: (number | string);
  'client'?: (string);
}

export interface FramedCall__Output {
  'method'?: (string);
  'request'?: (Buffer);
  'timeout_s'?: (number);
  'client'?: (string);
}
