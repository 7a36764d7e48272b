// Original file: proto/hamd/v1/hamd.proto


export interface SharedMemoryStatusRequest {
  'name'?: (string);
}

export interface SharedMemoryStatusRequest__Output {
  'name'?: (string);
}
