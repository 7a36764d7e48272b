// Original file: proto/hamd/v1/hamd.proto


export interface UnregisterSharedMemoryResponse {
  'unregistered'?: (number);
}

export interface UnregisterSharedMemoryResponse__Output {
  'unregistered'?: (number);
}
