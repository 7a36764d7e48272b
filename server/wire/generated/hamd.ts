import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Array as _hamd_v1_Array, Array__Output as _hamd_v1_Array__Output } from './hamd/v1/Array';
import type { Block as _hamd_v1_Block, Block__Output as _hamd_v1_Block__Output } from './hamd/v1/Block';
import type { ComputeDescriptorsRequest as _hamd_v1_ComputeDescriptorsRequest, ComputeDescriptorsRequest__Output as _hamd_v1_ComputeDescriptorsRequest__Output } from './hamd/v1/ComputeDescriptorsRequest';
import type { ComputeDescriptorsResponse as _hamd_v1_ComputeDescriptorsResponse, ComputeDescriptorsResponse__Output as _hamd_v1_ComputeDescriptorsResponse__Output } from './hamd/v1/ComputeDescriptorsResponse';
import type { DescriptorChunk as _hamd_v1_DescriptorChunk, DescriptorChunk__Output as _hamd_v1_DescriptorChunk__Output } from './hamd/v1/DescriptorChunk';
import type { FramedCall as _hamd_v1_FramedCall, FramedCall__Output as _hamd_v1_FramedCall__Output } from './hamd/v1/FramedCall';
import type { FramedReply as _hamd_v1_FramedReply, FramedReply__Output as _hamd_v1_FramedReply__Output } from './hamd/v1/FramedReply';
import type { GetServerInfoRequest as _hamd_v1_GetServerInfoRequest, GetServerInfoRequest__Output as _hamd_v1_GetServerInfoRequest__Output } from './hamd/v1/GetServerInfoRequest';
import type { GetStatisticsRequest as _hamd_v1_GetStatisticsRequest, GetStatisticsRequest__Output as _hamd_v1_GetStatisticsRequest__Output } from './hamd/v1/GetStatisticsRequest';
import type { GradientBlock as _hamd_v1_GradientBlock, GradientBlock__Output as _hamd_v1_GradientBlock__Output } from './hamd/v1/GradientBlock';
import type { HamdClient as _hamd_v1_HamdClient, HamdDefinition as _hamd_v1_HamdDefinition } from './hamd/v1/Hamd';
import type { Hypers as _hamd_v1_Hypers, Hypers__Output as _hamd_v1_Hypers__Output } from './hamd/v1/Hypers';
import type { Labels as _hamd_v1_Labels, Labels__Output as _hamd_v1_Labels__Output } from './hamd/v1/Labels';
import type { Limits as _hamd_v1_Limits, Limits__Output as _hamd_v1_Limits__Output } from './hamd/v1/Limits';
import type { ListModelsRequest as _hamd_v1_ListModelsRequest, ListModelsRequest__Output as _hamd_v1_ListModelsRequest__Output } from './hamd/v1/ListModelsRequest';
import type { ListModelsResponse as _hamd_v1_ListModelsResponse, ListModelsResponse__Output as _hamd_v1_ListModelsResponse__Output } from './hamd/v1/ListModelsResponse';
import type { LoadModelRequest as _hamd_v1_LoadModelRequest, LoadModelRequest__Output as _hamd_v1_LoadModelRequest__Output } from './hamd/v1/LoadModelRequest';
import type { MethodStatistics as _hamd_v1_MethodStatistics, MethodStatistics__Output as _hamd_v1_MethodStatistics__Output } from './hamd/v1/MethodStatistics';
import type { ModelInfo as _hamd_v1_ModelInfo, ModelInfo__Output as _hamd_v1_ModelInfo__Output } from './hamd/v1/ModelInfo';
import type { OrbitalLabels as _hamd_v1_OrbitalLabels, OrbitalLabels__Output as _hamd_v1_OrbitalLabels__Output } from './hamd/v1/OrbitalLabels';
import type { OutputRegion as _hamd_v1_OutputRegion, OutputRegion__Output as _hamd_v1_OutputRegion__Output } from './hamd/v1/OutputRegion';
import type { PredictRequest as _hamd_v1_PredictRequest, PredictRequest__Output as _hamd_v1_PredictRequest__Output } from './hamd/v1/PredictRequest';
import type { PredictResponse as _hamd_v1_PredictResponse, PredictResponse__Output as _hamd_v1_PredictResponse__Output } from './hamd/v1/PredictResponse';
import type { RegisterSharedMemoryRequest as _hamd_v1_RegisterSharedMemoryRequest, RegisterSharedMemoryRequest__Output as _hamd_v1_RegisterSharedMemoryRequest__Output } from './hamd/v1/RegisterSharedMemoryRequest';
import type { RegisterSharedMemoryResponse as _hamd_v1_RegisterSharedMemoryResponse, RegisterSharedMemoryResponse__Output as _hamd_v1_RegisterSharedMemoryResponse__Output } from './hamd/v1/RegisterSharedMemoryResponse';
import type { ServerInfo as _hamd_v1_ServerInfo, ServerInfo__Output as _hamd_v1_ServerInfo__Output } from './hamd/v1/ServerInfo';
import type { SessionClose as _hamd_v1_SessionClose, SessionClose__Output as _hamd_v1_SessionClose__Output } from './hamd/v1/SessionClose';
import type { SessionClosed as _hamd_v1_SessionClosed, SessionClosed__Output as _hamd_v1_SessionClosed__Output } from './hamd/v1/SessionClosed';
import type { SessionEnd as _hamd_v1_SessionEnd, SessionEnd__Output as _hamd_v1_SessionEnd__Output } from './hamd/v1/SessionEnd';
import type { SessionOpen as _hamd_v1_SessionOpen, SessionOpen__Output as _hamd_v1_SessionOpen__Output } from './hamd/v1/SessionOpen';
import type { SessionOpened as _hamd_v1_SessionOpened, SessionOpened__Output as _hamd_v1_SessionOpened__Output } from './hamd/v1/SessionOpened';
import type { SessionRequest as _hamd_v1_SessionRequest, SessionRequest__Output as _hamd_v1_SessionRequest__Output } from './hamd/v1/SessionRequest';
import type { SessionResponse as _hamd_v1_SessionResponse, SessionResponse__Output as _hamd_v1_SessionResponse__Output } from './hamd/v1/SessionResponse';
import type { SessionResult as _hamd_v1_SessionResult, SessionResult__Output as _hamd_v1_SessionResult__Output } from './hamd/v1/SessionResult';
import type { SessionSocketFrame as _hamd_v1_SessionSocketFrame, SessionSocketFrame__Output as _hamd_v1_SessionSocketFrame__Output } from './hamd/v1/SessionSocketFrame';
import type { SessionStep as _hamd_v1_SessionStep, SessionStep__Output as _hamd_v1_SessionStep__Output } from './hamd/v1/SessionStep';
import type { SharedMemoryRegion as _hamd_v1_SharedMemoryRegion, SharedMemoryRegion__Output as _hamd_v1_SharedMemoryRegion__Output } from './hamd/v1/SharedMemoryRegion';
import type { SharedMemoryStatusRequest as _hamd_v1_SharedMemoryStatusRequest, SharedMemoryStatusRequest__Output as _hamd_v1_SharedMemoryStatusRequest__Output } from './hamd/v1/SharedMemoryStatusRequest';
import type { SharedMemoryStatusResponse as _hamd_v1_SharedMemoryStatusResponse, SharedMemoryStatusResponse__Output as _hamd_v1_SharedMemoryStatusResponse__Output } from './hamd/v1/SharedMemoryStatusResponse';
import type { Statistics as _hamd_v1_Statistics, Statistics__Output as _hamd_v1_Statistics__Output } from './hamd/v1/Statistics';
import type { Structure as _hamd_v1_Structure, Structure__Output as _hamd_v1_Structure__Output } from './hamd/v1/Structure';
import type { StructurePrediction as _hamd_v1_StructurePrediction, StructurePrediction__Output as _hamd_v1_StructurePrediction__Output } from './hamd/v1/StructurePrediction';
import type { UnloadModelRequest as _hamd_v1_UnloadModelRequest, UnloadModelRequest__Output as _hamd_v1_UnloadModelRequest__Output } from './hamd/v1/UnloadModelRequest';
import type { UnloadModelResponse as _hamd_v1_UnloadModelResponse, UnloadModelResponse__Output as _hamd_v1_UnloadModelResponse__Output } from './hamd/v1/UnloadModelResponse';
import type { UnregisterSharedMemoryRequest as _hamd_v1_UnregisterSharedMemoryRequest, UnregisterSharedMemoryRequest__Output as _hamd_v1_UnregisterSharedMemoryRequest__Output } from './hamd/v1/UnregisterSharedMemoryRequest';
import type { UnregisterSharedMemoryResponse as _hamd_v1_UnregisterSharedMemoryResponse, UnregisterSharedMemoryResponse__Output as _hamd_v1_UnregisterSharedMemoryResponse__Output } from './hamd/v1/UnregisterSharedMemoryResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hamd: {
    v1: {
      Array: MessageTypeDefinition<_hamd_v1_Array, _hamd_v1_Array__Output>
      Block: MessageTypeDefinition<_hamd_v1_Block, _hamd_v1_Block__Output>
      ComputeDescriptorsRequest: MessageTypeDefinition<_hamd_v1_ComputeDescriptorsRequest, _hamd_v1_ComputeDescriptorsRequest__Output>
      ComputeDescriptorsResponse: MessageTypeDefinition<_hamd_v1_ComputeDescriptorsResponse, _hamd_v1_ComputeDescriptorsResponse__Output>
      DescriptorChunk: MessageTypeDefinition<_hamd_v1_DescriptorChunk, _hamd_v1_DescriptorChunk__Output>
      FramedCall: MessageTypeDefinition<_hamd_v1_FramedCall, _hamd_v1_FramedCall__Output>
      FramedReply: MessageTypeDefinition<_hamd_v1_FramedReply, _hamd_v1_FramedReply__Output>
      GetServerInfoRequest: MessageTypeDefinition<_hamd_v1_GetServerInfoRequest, _hamd_v1_GetServerInfoRequest__Output>
      GetStatisticsRequest: MessageTypeDefinition<_hamd_v1_GetStatisticsRequest, _hamd_v1_GetStatisticsRequest__Output>
      GradientBlock: MessageTypeDefinition<_hamd_v1_GradientBlock, _hamd_v1_GradientBlock__Output>
      Hamd: SubtypeConstructor<typeof grpc.Client, _hamd_v1_HamdClient> & { service: _hamd_v1_HamdDefinition }
      Hypers: MessageTypeDefinition<_hamd_v1_Hypers, _hamd_v1_Hypers__Output>
      Labels: MessageTypeDefinition<_hamd_v1_Labels, _hamd_v1_Labels__Output>
      Limits: MessageTypeDefinition<_hamd_v1_Limits, _hamd_v1_Limits__Output>
      ListModelsRequest: MessageTypeDefinition<_hamd_v1_ListModelsRequest, _hamd_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_hamd_v1_ListModelsResponse, _hamd_v1_ListModelsResponse__Output>
      LoadModelRequest: MessageTypeDefinition<_hamd_v1_LoadModelRequest, _hamd_v1_LoadModelRequest__Output>
      MethodStatistics: MessageTypeDefinition<_hamd_v1_MethodStatistics, _hamd_v1_MethodStatistics__Output>
      ModelInfo: MessageTypeDefinition<_hamd_v1_ModelInfo, _hamd_v1_ModelInfo__Output>
      OrbitalLabels: MessageTypeDefinition<_hamd_v1_OrbitalLabels, _hamd_v1_OrbitalLabels__Output>
      OutputRegion: MessageTypeDefinition<_hamd_v1_OutputRegion, _hamd_v1_OutputRegion__Output>
      PredictRequest: MessageTypeDefinition<_hamd_v1_PredictRequest, _hamd_v1_PredictRequest__Output>
      PredictResponse: MessageTypeDefinition<_hamd_v1_PredictResponse, _hamd_v1_PredictResponse__Output>
      RegisterSharedMemoryRequest: MessageTypeDefinition<_hamd_v1_RegisterSharedMemoryRequest, _hamd_v1_RegisterSharedMemoryRequest__Output>
      RegisterSharedMemoryResponse: MessageTypeDefinition<_hamd_v1_RegisterSharedMemoryResponse, _hamd_v1_RegisterSharedMemoryResponse__Output>
      ServerInfo: MessageTypeDefinition<_hamd_v1_ServerInfo, _hamd_v1_ServerInfo__Output>
      SessionClose: MessageTypeDefinition<_hamd_v1_SessionClose, _hamd_v1_SessionClose__Output>
      SessionClosed: MessageTypeDefinition<_hamd_v1_SessionClosed, _hamd_v1_SessionClosed__Output>
      SessionEnd: MessageTypeDefinition<_hamd_v1_SessionEnd, _hamd_v1_SessionEnd__Output>
      SessionOpen: MessageTypeDefinition<_hamd_v1_SessionOpen, _hamd_v1_SessionOpen__Output>
      SessionOpened: MessageTypeDefinition<_hamd_v1_SessionOpened, _hamd_v1_SessionOpened__Output>
      SessionRequest: MessageTypeDefinition<_hamd_v1_SessionRequest, _hamd_v1_SessionRequest__Output>
      SessionResponse: MessageTypeDefinition<_hamd_v1_SessionResponse, _hamd_v1_SessionResponse__Output>
      SessionResult: MessageTypeDefinition<_hamd_v1_SessionResult, _hamd_v1_SessionResult__Output>
      SessionSocketFrame: MessageTypeDefinition<_hamd_v1_SessionSocketFrame, _hamd_v1_SessionSocketFrame__Output>
      SessionStep: MessageTypeDefinition<_hamd_v1_SessionStep, _hamd_v1_SessionStep__Output>
      SharedMemoryRegion: MessageTypeDefinition<_hamd_v1_SharedMemoryRegion, _hamd_v1_SharedMemoryRegion__Output>
      SharedMemoryStatusRequest: MessageTypeDefinition<_hamd_v1_SharedMemoryStatusRequest, _hamd_v1_SharedMemoryStatusRequest__Output>
      SharedMemoryStatusResponse: MessageTypeDefinition<_hamd_v1_SharedMemoryStatusResponse, _hamd_v1_SharedMemoryStatusResponse__Output>
      Statistics: MessageTypeDefinition<_hamd_v1_Statistics, _hamd_v1_Statistics__Output>
      Structure: MessageTypeDefinition<_hamd_v1_Structure, _hamd_v1_Structure__Output>
      StructurePrediction: MessageTypeDefinition<_hamd_v1_StructurePrediction, _hamd_v1_StructurePrediction__Output>
      UnloadModelRequest: MessageTypeDefinition<_hamd_v1_UnloadModelRequest, _hamd_v1_UnloadModelRequest__Output>
      UnloadModelResponse: MessageTypeDefinition<_hamd_v1_UnloadModelResponse, _hamd_v1_UnloadModelResponse__Output>
      UnregisterSharedMemoryRequest: MessageTypeDefinition<_hamd_v1_UnregisterSharedMemoryRequest, _hamd_v1_UnregisterSharedMemoryRequest__Output>
      UnregisterSharedMemoryResponse: MessageTypeDefinition<_hamd_v1_UnregisterSharedMemoryResponse, _hamd_v1_UnregisterSharedMemoryResponse__Output>
    }
  }
}

