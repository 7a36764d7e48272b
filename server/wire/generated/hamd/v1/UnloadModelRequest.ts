// Original file: proto/hamd/v1/hamd.proto


export interface UnloadModelRequest {
  'name'?: (string);
}

export interface UnloadModelRequest__Output {
  'name'?: (string);
}
