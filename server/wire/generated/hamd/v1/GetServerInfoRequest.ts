// Original file: proto/hamd/v1/hamd.proto


export interface GetServerInfoRequest {
}

export interface GetServerInfoRequest__Output {
}
