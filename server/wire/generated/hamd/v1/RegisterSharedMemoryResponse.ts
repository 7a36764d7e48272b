// Original file: proto/hamd/v1/hamd.proto


export interface RegisterSharedMemoryResponse {
}

export interface RegisterSharedMemoryResponse__Output {
}
