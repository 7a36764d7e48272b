// Original file: proto/hamd/v1/hamd.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
