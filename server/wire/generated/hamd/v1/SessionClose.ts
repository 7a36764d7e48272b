// Original file: proto/hamd/v1/hamd.proto


export interface SessionClose {
}

export interface SessionClose__Output {
}
