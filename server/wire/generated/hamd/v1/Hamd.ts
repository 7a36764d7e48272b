// Original file: proto/hamd/v1/hamd.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ComputeDescriptorsRequest as _hamd_v1_ComputeDescriptorsRequest, ComputeDescriptorsRequest__Output as _hamd_v1_ComputeDescriptorsRequest__Output } from '../../hamd/v1/ComputeDescriptorsRequest';
import type { ComputeDescriptorsResponse as _hamd_v1_ComputeDescriptorsResponse, ComputeDescriptorsResponse__Output as _hamd_v1_ComputeDescriptorsResponse__Output } from '../../hamd/v1/ComputeDescriptorsResponse';
import type { DescriptorChunk as _hamd_v1_DescriptorChunk, DescriptorChunk__Output as _hamd_v1_DescriptorChunk__Output } from '../../hamd/v1/DescriptorChunk';
import type { GetServerInfoRequest as _hamd_v1_GetServerInfoRequest, GetServerInfoRequest__Output as _hamd_v1_GetServerInfoRequest__Output } from '../../hamd/v1/GetServerInfoRequest';
import type { GetStatisticsRequest as _hamd_v1_GetStatisticsRequest, GetStatisticsRequest__Output as _hamd_v1_GetStatisticsRequest__Output } from '../../hamd/v1/GetStatisticsRequest';
import type { ListModelsRequest as _hamd_v1_ListModelsRequest, ListModelsRequest__Output as _hamd_v1_ListModelsRequest__Output } from '../../hamd/v1/ListModelsRequest';
import type { ListModelsResponse as _hamd_v1_ListModelsResponse, ListModelsResponse__Output as _hamd_v1_ListModelsResponse__Output } from '../../hamd/v1/ListModelsResponse';
import type { LoadModelRequest as _hamd_v1_LoadModelRequest, LoadModelRequest__Output as _hamd_v1_LoadModelRequest__Output } from '../../hamd/v1/LoadModelRequest';
import type { ModelInfo as _hamd_v1_ModelInfo, ModelInfo__Output as _hamd_v1_ModelInfo__Output } from '../../hamd/v1/ModelInfo';
import type { PredictRequest as _hamd_v1_PredictRequest, PredictRequest__Output as _hamd_v1_PredictRequest__Output } from '../../hamd/v1/PredictRequest';
import type { PredictResponse as _hamd_v1_PredictResponse, PredictResponse__Output as _hamd_v1_PredictResponse__Output } from '../../hamd/v1/PredictResponse';
import type { RegisterSharedMemoryRequest as _hamd_v1_RegisterSharedMemoryRequest, RegisterSharedMemoryRequest__Output as _hamd_v1_RegisterSharedMemoryRequest__Output } from '../../hamd/v1/RegisterSharedMemoryRequest';
import type { RegisterSharedMemoryResponse as _hamd_v1_RegisterSharedMemoryResponse, RegisterSharedMemoryResponse__Output as _hamd_v1_RegisterSharedMemoryResponse__Output } from '../../hamd/v1/RegisterSharedMemoryResponse';
import type { ServerInfo as _hamd_v1_ServerInfo, ServerInfo__Output as _hamd_v1_ServerInfo__Output } from '../../hamd/v1/ServerInfo';
import type { SessionRequest as _hamd_v1_SessionRequest, SessionRequest__Output as _hamd_v1_SessionRequest__Output } from '../../hamd/v1/SessionRequest';
import type { SessionResponse as _hamd_v1_SessionResponse, SessionResponse__Output as _hamd_v1_SessionResponse__Output } from '../../hamd/v1/SessionResponse';
import type { SharedMemoryStatusRequest as _hamd_v1_SharedMemoryStatusRequest, SharedMemoryStatusRequest__Output as _hamd_v1_SharedMemoryStatusRequest__Output } from '../../hamd/v1/SharedMemoryStatusRequest';
import type { SharedMemoryStatusResponse as _hamd_v1_SharedMemoryStatusResponse, SharedMemoryStatusResponse__Output as _hamd_v1_SharedMemoryStatusResponse__Output } from '../../hamd/v1/SharedMemoryStatusResponse';
import type { Statistics as _hamd_v1_Statistics, Statistics__Output as _hamd_v1_Statistics__Output } from '../../hamd/v1/Statistics';
import type { UnloadModelRequest as _hamd_v1_UnloadModelRequest, UnloadModelRequest__Output as _hamd_v1_UnloadModelRequest__Output } from '../../hamd/v1/UnloadModelRequest';
import type { UnloadModelResponse as _hamd_v1_UnloadModelResponse, UnloadModelResponse__Output as _hamd_v1_UnloadModelResponse__Output } from '../../hamd/v1/UnloadModelResponse';
import type { UnregisterSharedMemoryRequest as _hamd_v1_UnregisterSharedMemoryRequest, UnregisterSharedMemoryRequest__Output as _hamd_v1_UnregisterSharedMemoryRequest__Output } from '../../hamd/v1/UnregisterSharedMemoryRequest';
import type { UnregisterSharedMemoryResponse as _hamd_v1_UnregisterSharedMemoryResponse, UnregisterSharedMemoryResponse__Output as _hamd_v1_UnregisterSharedMemoryResponse__Output } from '../../hamd/v1/UnregisterSharedMemoryResponse';

export interface HamdClient extends grpc.Client {
  ComputeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  ComputeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  ComputeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  ComputeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  computeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  computeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  computeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  computeDescriptors(argument: _hamd_v1_ComputeDescriptorsRequest, callback: grpc.requestCallback<_hamd_v1_ComputeDescriptorsResponse__Output>): grpc.ClientUnaryCall;
  
  ComputeDescriptorsStream(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hamd_v1_DescriptorChunk__Output>;
  ComputeDescriptorsStream(argument: _hamd_v1_ComputeDescriptorsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hamd_v1_DescriptorChunk__Output>;
  computeDescriptorsStream(argument: _hamd_v1_ComputeDescriptorsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hamd_v1_DescriptorChunk__Output>;
  computeDescriptorsStream(argument: _hamd_v1_ComputeDescriptorsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hamd_v1_DescriptorChunk__Output>;
  
  GetServerInfo(argument: _hamd_v1_GetServerInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  GetServerInfo(argument: _hamd_v1_GetServerInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  GetServerInfo(argument: _hamd_v1_GetServerInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  GetServerInfo(argument: _hamd_v1_GetServerInfoRequest, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  getServerInfo(argument: _hamd_v1_GetServerInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  getServerInfo(argument: _hamd_v1_GetServerInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  getServerInfo(argument: _hamd_v1_GetServerInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  getServerInfo(argument: _hamd_v1_GetServerInfoRequest, callback: grpc.requestCallback<_hamd_v1_ServerInfo__Output>): grpc.ClientUnaryCall;
  
  GetStatistics(argument: _hamd_v1_GetStatisticsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  GetStatistics(argument: _hamd_v1_GetStatisticsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  GetStatistics(argument: _hamd_v1_GetStatisticsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  GetStatistics(argument: _hamd_v1_GetStatisticsRequest, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  getStatistics(argument: _hamd_v1_GetStatisticsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  getStatistics(argument: _hamd_v1_GetStatisticsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  getStatistics(argument: _hamd_v1_GetStatisticsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  getStatistics(argument: _hamd_v1_GetStatisticsRequest, callback: grpc.requestCallback<_hamd_v1_Statistics__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _hamd_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hamd_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hamd_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hamd_v1_ListModelsRequest, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hamd_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hamd_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hamd_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hamd_v1_ListModelsRequest, callback: grpc.requestCallback<_hamd_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
  LoadModel(argument: _hamd_v1_LoadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hamd_v1_LoadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hamd_v1_LoadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hamd_v1_LoadModelRequest, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hamd_v1_LoadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hamd_v1_LoadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hamd_v1_LoadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hamd_v1_LoadModelRequest, callback: grpc.requestCallback<_hamd_v1_ModelInfo__Output>): grpc.ClientUnaryCall;
  
  Predict(argument: _hamd_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _hamd_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _hamd_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _hamd_v1_PredictRequest, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _hamd_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _hamd_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _hamd_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _hamd_v1_PredictRequest, callback: grpc.requestCallback<_hamd_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  
  RegisterSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  RegisterSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  RegisterSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  RegisterSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  registerSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  registerSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  registerSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  registerSharedMemory(argument: _hamd_v1_RegisterSharedMemoryRequest, callback: grpc.requestCallback<_hamd_v1_RegisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hamd_v1_SessionRequest, _hamd_v1_SessionResponse__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hamd_v1_SessionRequest, _hamd_v1_SessionResponse__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hamd_v1_SessionRequest, _hamd_v1_SessionResponse__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hamd_v1_SessionRequest, _hamd_v1_SessionResponse__Output>;
  
  SharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  SharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  sharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  sharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  sharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  sharedMemoryStatus(argument: _hamd_v1_SharedMemoryStatusRequest, callback: grpc.requestCallback<_hamd_v1_SharedMemoryStatusResponse__Output>): grpc.ClientUnaryCall;
  
  UnloadModel(argument: _hamd_v1_UnloadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hamd_v1_UnloadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hamd_v1_UnloadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hamd_v1_UnloadModelRequest, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hamd_v1_UnloadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hamd_v1_UnloadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hamd_v1_UnloadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hamd_v1_UnloadModelRequest, callback: grpc.requestCallback<_hamd_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  
  UnregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  UnregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  UnregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  UnregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  unregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  unregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  unregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  unregisterSharedMemory(argument: _hamd_v1_UnregisterSharedMemoryRequest, callback: grpc.requestCallback<_hamd_v1_UnregisterSharedMemoryResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface HamdHandlers extends grpc.UntypedServiceImplementation {
  ComputeDescriptors: grpc.handleUnaryCall<_hamd_v1_ComputeDescriptorsRequest__Output, _hamd_v1_ComputeDescriptorsResponse>;
  
  ComputeDescriptorsStream: grpc.handleServerStreamingCall<_hamd_v1_ComputeDescriptorsRequest__Output, _hamd_v1_DescriptorChunk>;
  
  GetServerInfo: grpc.handleUnaryCall<_hamd_v1_GetServerInfoRequest__Output, _hamd_v1_ServerInfo>;
  
  GetStatistics: grpc.handleUnaryCall<_hamd_v1_GetStatisticsRequest__Output, _hamd_v1_Statistics>;
  
  ListModels: grpc.handleUnaryCall<_hamd_v1_ListModelsRequest__Output, _hamd_v1_ListModelsResponse>;
  
  LoadModel: grpc.handleUnaryCall<_hamd_v1_LoadModelRequest__Output, _hamd_v1_ModelInfo>;
  
  Predict: grpc.handleUnaryCall<_hamd_v1_PredictRequest__Output, _hamd_v1_PredictResponse>;
  
  RegisterSharedMemory: grpc.handleUnaryCall<_hamd_v1_RegisterSharedMemoryRequest__Output, _hamd_v1_RegisterSharedMemoryResponse>;
  
  Session: grpc.handleBidiStreamingCall<_hamd_v1_SessionRequest__Output, _hamd_v1_SessionResponse>;
  
  SharedMemoryStatus: grpc.handleUnaryCall<_hamd_v1_SharedMemoryStatusRequest__Output, _hamd_v1_SharedMemoryStatusResponse>;
  
  UnloadModel: grpc.handleUnaryCall<_hamd_v1_UnloadModelRequest__Output, _hamd_v1_UnloadModelResponse>;
  
  UnregisterSharedMemory: grpc.handleUnaryCall<_hamd_v1_UnregisterSharedMemoryRequest__Output, _hamd_v1_UnregisterSharedMemoryResponse>;
  
}

export interface HamdDefinition extends grpc.ServiceDefinition {
  ComputeDescriptors: MethodDefinition<_hamd_v1_ComputeDescriptorsRequest, _hamd_v1_ComputeDescriptorsResponse, _hamd_v1_ComputeDescriptorsRequest__Output, _hamd_v1_ComputeDescriptorsResponse__Output>
  ComputeDescriptorsStream: MethodDefinition<_hamd_v1_ComputeDescriptorsRequest, _hamd_v1_DescriptorChunk, _hamd_v1_ComputeDescriptorsRequest__Output, _hamd_v1_DescriptorChunk__Output>
  GetServerInfo: MethodDefinition<_hamd_v1_GetServerInfoRequest, _hamd_v1_ServerInfo, _hamd_v1_GetServerInfoRequest__Output, _hamd_v1_ServerInfo__Output>
  GetStatistics: MethodDefinition<_hamd_v1_GetStatisticsRequest, _hamd_v1_Statistics, _hamd_v1_GetStatisticsRequest__Output, _hamd_v1_Statistics__Output>
  ListModels: MethodDefinition<_hamd_v1_ListModelsRequest, _hamd_v1_ListModelsResponse, _hamd_v1_ListModelsRequest__Output, _hamd_v1_ListModelsResponse__Output>
  LoadModel: MethodDefinition<_hamd_v1_LoadModelRequest, _hamd_v1_ModelInfo, _hamd_v1_LoadModelRequest__Output, _hamd_v1_ModelInfo__Output>
  Predict: MethodDefinition<_hamd_v1_PredictRequest, _hamd_v1_PredictResponse, _hamd_v1_PredictRequest__Output, _hamd_v1_PredictResponse__Output>
  RegisterSharedMemory: MethodDefinition<_hamd_v1_RegisterSharedMemoryRequest, _hamd_v1_RegisterSharedMemoryResponse, _hamd_v1_RegisterSharedMemoryRequest__Output, _hamd_v1_RegisterSharedMemoryResponse__Output>
  Session: MethodDefinition<_hamd_v1_SessionRequest, _hamd_v1_SessionResponse, _hamd_v1_SessionRequest__Output, _hamd_v1_SessionResponse__Output>
  SharedMemoryStatus: MethodDefinition<_hamd_v1_SharedMemoryStatusRequest, _hamd_v1_SharedMemoryStatusResponse, _hamd_v1_SharedMemoryStatusRequest__Output, _hamd_v1_SharedMemoryStatusResponse__Output>
  UnloadModel: MethodDefinition<_hamd_v1_UnloadModelRequest, _hamd_v1_UnloadModelResponse, _hamd_v1_UnloadModelRequest__Output, _hamd_v1_UnloadModelResponse__Output>
  UnregisterSharedMemory: MethodDefinition<_hamd_v1_UnregisterSharedMemoryRequest, _hamd_v1_UnregisterSharedMemoryResponse, _hamd_v1_UnregisterSharedMemoryRequest__Output, _hamd_v1_UnregisterSharedMemoryResponse__Output>
}
