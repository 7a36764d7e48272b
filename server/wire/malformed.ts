// Requests whose bytes do not parse as their message. grpc-js answers a deserializer that throws
// with INTERNAL ("Error deserializing request"), but bytes that are not a valid message are the
// caller's error: INVALID_ARGUMENT. So every method's deserializer is wrapped: a parse failure
// yields a marker object, and the handlers (server/daemon/unary.ts, session.ts) answer it.
import type * as grpc from '@grpc/grpc-js';

const MALFORMED = Symbol('hamd.malformedRequest');

export interface MalformedRequest {
  readonly [MALFORMED]: string;  // why the bytes did not parse
}

export function malformedReason(request: unknown): string | undefined {
  return typeof request === 'object' && request !== null && MALFORMED in request
    ? (request as MalformedRequest)[MALFORMED] : undefined;
}

function tolerant<T>(deserialize: grpc.deserialize<T>, messageName: string): grpc.deserialize<T> {
  return (bytes: Buffer): T => {
    try {
      return deserialize(bytes);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { [MALFORMED]: `request: ${bytes.length} bytes that do not parse as ${messageName} (${why})` } as unknown as T;
    }
  };
}

// The service definition with every request deserializer made tolerant.
export function withTolerantDeserializers(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(Object.entries(definition).map(([name, method]) => {
    const messageName = (method as { requestType?: { type?: { name?: string } } }).requestType?.type?.name ?? `${name} request`;
    return [name, { ...method, requestDeserialize: tolerant(method.requestDeserialize, `hamd.v1.${messageName}`) }];
  }));
}
