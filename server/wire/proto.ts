// Loads proto/hamd/v1/hamd.proto once, with the options every hamd component shares (and that
// tools/gen-types.js generates ./generated/ with: test/contract.test.ts checks they agree).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hamdProtoFile, protoRoot } from '../base/paths';
import type { HamdClient, HamdDefinition, ProtoGrpcType } from './types';

export const loaderOptions: protoLoader.Options = {
  keepCase: true,     // field names exactly as in the .proto (snake_case)
  longs: Number,      // int64 shapes and limits fit in a double
  enums: String,
  bytes: Buffer,
  defaults: false,    // absent optional fields stay undefined (explicit presence)
  arrays: true,       // absent repeated fields are []
  oneofs: true,
  includeDirs: [protoRoot],
};

let cached: ProtoGrpcType | undefined;

export function loadHamdPackage(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(hamdProtoFile, loaderOptions);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}

export function hamdServiceDefinition(): HamdDefinition {
  return loadHamdPackage().hamd.v1.Hamd.service;
}

export type HamdClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => HamdClient;

export function hamdClientConstructor(): HamdClientConstructor {
  return loadHamdPackage().hamd.v1.Hamd;
}

export const HAMD_SERVICE_NAME = 'hamd.v1.Hamd';
