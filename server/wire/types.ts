// The hamd.v1 message types, generated from proto/hamd/v1/hamd.proto by `npm run gen:types`
// (tools/gen-types.js, into ./generated/; test/contract.test.ts fails when they drift from the
// proto). Re-exported here under one import path. `Foo` is what may be sent (the daemon's
// responses, the clients' requests), `Foo__Output` what is received, as @grpc/proto-loader hands
// it over with the options of ./proto.ts: absent scalars and messages undefined, repeated
// fields [], int64 as number, bytes as Buffer.
export type { Array as ArrayMessage, Array__Output as ArrayMessage__Output } from './generated/hamd/v1/Array';
export type { Block, Block__Output } from './generated/hamd/v1/Block';
export type { ComputeDescriptorsRequest, ComputeDescriptorsRequest__Output } from './generated/hamd/v1/ComputeDescriptorsRequest';
export type { ComputeDescriptorsResponse, ComputeDescriptorsResponse__Output } from './generated/hamd/v1/ComputeDescriptorsResponse';
export type { DescriptorChunk, DescriptorChunk__Output } from './generated/hamd/v1/DescriptorChunk';
export type { FramedCall, FramedCall__Output } from './generated/hamd/v1/FramedCall';
export type { FramedReply, FramedReply__Output } from './generated/hamd/v1/FramedReply';
export type { GetServerInfoRequest, GetServerInfoRequest__Output } from './generated/hamd/v1/GetServerInfoRequest';
export type { GetStatisticsRequest, GetStatisticsRequest__Output } from './generated/hamd/v1/GetStatisticsRequest';
export type { GradientBlock, GradientBlock__Output } from './generated/hamd/v1/GradientBlock';
export type { HamdClient, HamdDefinition, HamdHandlers } from './generated/hamd/v1/Hamd';
export type { Hypers, Hypers__Output } from './generated/hamd/v1/Hypers';
export type { Labels, Labels__Output } from './generated/hamd/v1/Labels';
export type { Limits, Limits__Output } from './generated/hamd/v1/Limits';
export type { ListModelsRequest, ListModelsRequest__Output } from './generated/hamd/v1/ListModelsRequest';
export type { ListModelsResponse, ListModelsResponse__Output } from './generated/hamd/v1/ListModelsResponse';
export type { LoadModelRequest, LoadModelRequest__Output } from './generated/hamd/v1/LoadModelRequest';
export type { MethodStatistics, MethodStatistics__Output } from './generated/hamd/v1/MethodStatistics';
export type { ModelInfo, ModelInfo__Output } from './generated/hamd/v1/ModelInfo';
export type { OrbitalLabels, OrbitalLabels__Output } from './generated/hamd/v1/OrbitalLabels';
export type { OutputRegion, OutputRegion__Output } from './generated/hamd/v1/OutputRegion';
export type { PredictRequest, PredictRequest__Output } from './generated/hamd/v1/PredictRequest';
export type { PredictResponse, PredictResponse__Output } from './generated/hamd/v1/PredictResponse';
export type { RegisterSharedMemoryRequest, RegisterSharedMemoryRequest__Output } from './generated/hamd/v1/RegisterSharedMemoryRequest';
export type { RegisterSharedMemoryResponse, RegisterSharedMemoryResponse__Output } from './generated/hamd/v1/RegisterSharedMemoryResponse';
export type { ServerInfo, ServerInfo__Output } from './generated/hamd/v1/ServerInfo';
export type { SessionClose, SessionClose__Output } from './generated/hamd/v1/SessionClose';
export type { SessionClosed, SessionClosed__Output } from './generated/hamd/v1/SessionClosed';
export type { SessionOpen, SessionOpen__Output } from './generated/hamd/v1/SessionOpen';
export type { SessionOpened, SessionOpened__Output } from './generated/hamd/v1/SessionOpened';
export type { SessionRequest, SessionRequest__Output } from './generated/hamd/v1/SessionRequest';
export type { SessionResponse, SessionResponse__Output } from './generated/hamd/v1/SessionResponse';
export type { SessionResult, SessionResult__Output } from './generated/hamd/v1/SessionResult';
export type { SessionStep, SessionStep__Output } from './generated/hamd/v1/SessionStep';
export type { SharedMemoryRegion, SharedMemoryRegion__Output } from './generated/hamd/v1/SharedMemoryRegion';
export type { SharedMemoryStatusRequest, SharedMemoryStatusRequest__Output } from './generated/hamd/v1/SharedMemoryStatusRequest';
export type { SharedMemoryStatusResponse, SharedMemoryStatusResponse__Output } from './generated/hamd/v1/SharedMemoryStatusResponse';
export type { Statistics, Statistics__Output } from './generated/hamd/v1/Statistics';
export type { Structure, Structure__Output } from './generated/hamd/v1/Structure';
export type { StructurePrediction, StructurePrediction__Output } from './generated/hamd/v1/StructurePrediction';
export type { UnloadModelRequest, UnloadModelRequest__Output } from './generated/hamd/v1/UnloadModelRequest';
export type { UnloadModelResponse, UnloadModelResponse__Output } from './generated/hamd/v1/UnloadModelResponse';
export type { UnregisterSharedMemoryRequest, UnregisterSharedMemoryRequest__Output } from './generated/hamd/v1/UnregisterSharedMemoryRequest';
export type { UnregisterSharedMemoryResponse, UnregisterSharedMemoryResponse__Output } from './generated/hamd/v1/UnregisterSharedMemoryResponse';
export type { ProtoGrpcType } from './generated/hamd';

import type { MethodDefinition } from '@grpc/proto-loader';
import type { HamdDefinition } from './generated/hamd/v1/Hamd';

// The RPCs of hamd.v1.Hamd and, per RPC, the request as sent and the response as received (the
// client's view) or the request as received and the response as sent (the daemon's view).
export type HamdMethod = keyof HamdDefinition & string;
type Parts<M extends HamdMethod> = HamdDefinition[M] extends MethodDefinition<infer Req, infer Res, infer ReqOut, infer ResOut>
  ? { request: Req; response: Res; requestOutput: ReqOut; responseOutput: ResOut } : never;
export type RequestOf<M extends HamdMethod> = Parts<M>['request'];
export type ResponseOf<M extends HamdMethod> = Parts<M>['response'];
export type ReceivedRequestOf<M extends HamdMethod> = Parts<M>['requestOutput'];
export type ReceivedResponseOf<M extends HamdMethod> = Parts<M>['responseOutput'];
