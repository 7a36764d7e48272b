// Original file: proto/hamd/v1/hamd.proto


export interface UnloadModelResponse {
}

export interface UnloadModelResponse__Output {
}
