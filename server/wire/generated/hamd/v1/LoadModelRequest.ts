// Original file: proto/hamd/v1/hamd.proto


export interface LoadModelRequest {
  'name'?: (string);
}

export interface LoadModelRequest__Output {
  'name'?: (string);
}
