// Loads proto/hamd/v1/hamd.proto once, with the options every hamd component shares.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hamdProtoFile, protoRoot } from '../paths';

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

let cached: grpc.GrpcObject | undefined;

export function loadHamdPackage(): grpc.GrpcObject {
  if (!cached) {
    const definition = protoLoader.loadSync(hamdProtoFile, loaderOptions);
    cached = grpc.loadPackageDefinition(definition);
  }
  return cached;
}

export function hamdServiceDefinition(): grpc.ServiceDefinition {
  const ctor = (loadHamdPackage().hamd as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return (ctor.Hamd as grpc.ServiceClientConstructor).service;
}

export function hamdClientConstructor(): grpc.ServiceClientConstructor {
  const v1 = (loadHamdPackage().hamd as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return v1.Hamd as grpc.ServiceClientConstructor;
}

export const HAMD_SERVICE_NAME = 'hamd.v1.Hamd';
