// An error that becomes a gRPC status. `code` is a grpc.status number; the message
// says what is wrong and where ("structures[2].positions: ...").
import { status } from '@grpc/grpc-js';

export class StatusError extends Error {
  constructor(public readonly code: status, message: string) {
    super(boundedMessage(message));
    this.name = 'StatusError';
  }
}

export function invalidArgument(message: string): StatusError {
  return new StatusError(status.INVALID_ARGUMENT, message);
}

export function resourceExhausted(message: string): StatusError {
  return new StatusError(status.RESOURCE_EXHAUSTED, message);
}

// Codes the native addon puts on its errors (server/native/addon.ts).
const nativeCodes: Record<string, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  CANCELLED: status.CANCELLED,
  INTERNAL: status.INTERNAL,
  UNAVAILABLE: status.UNAVAILABLE, // engine closed (daemon shutting down)
  FAILED_PRECONDITION: status.FAILED_PRECONDITION, // e.g. a step on a closed session
  PERMISSION_DENIED: status.PERMISSION_DENIED, // a shared-memory region of another user
};

// Any thrown value -> StatusError; unknown errors are INTERNAL (a bug to report).
export function toStatusError(error: unknown): StatusError {
  if (error instanceof StatusError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code in nativeCodes) return new StatusError(nativeCodes[code], message);
  return new StatusError(status.INTERNAL, `internal error: ${message}`);
}

// Error messages travel as HTTP/2 trailers, which clients cap (grpc-js and gRPC C++: 8-16 KiB
// of metadata): a message that echoes a huge input would turn into a metadata error on the
// client and lose its code. Messages are cut to this many characters, saying so.
export const MAX_MESSAGE_CHARS = 2048;

export function boundedMessage(message: string, max = MAX_MESSAGE_CHARS): string {
  if (message.length <= max) return message;
  return `${message.slice(0, max)}... (${message.length - max} more characters cut)`;
}
