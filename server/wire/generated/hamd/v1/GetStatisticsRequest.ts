// Original file: proto/hamd/v1/hamd.proto


export interface GetStatisticsRequest {
}

export interface GetStatisticsRequest__Output {
}
