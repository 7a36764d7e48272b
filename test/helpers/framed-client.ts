// A client of the daemon's framed socket (proto/hamd/v1/hamd.proto, SessionSocketFrame), written
// from the proto alone for the tests: length-prefixed SessionRequest frames out, decoded
// SessionSocketFrame frames in.
import * as net from 'node:net';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { hamdProtoFile, protoRoot } from '../../server/base/paths';

export const root = new protobuf.Root();
root.loadSync(path.join(protoRoot, hamdProtoFile), { keepCase: true });
export const Request = root.lookupType('hamd.v1.SessionRequest');
export const Frame = root.lookupType('hamd.v1.SessionSocketFrame');

export interface FrameObject {
  response?: { opened?: Record<string, unknown>; result?: { prediction?: Record<string, unknown>; error_code?: number; error_message?: string; step?: number }; closed?: Record<string, unknown> };
  end?: { code?: number; message?: string };
  reply?: { code?: number; message?: string; response?: Uint8Array; retry_ms?: number };
}

export function positions(x: number[]) {
  return { dtype: '<f8', shape: [x.length / 3, 3], data: Buffer.from(Float64Array.from(x).buffer) };
}

export function frame(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(bytes.length, 0);
  return Buffer.concat([head, Buffer.from(bytes)]);
}

export function request(message: Record<string, unknown>): Buffer {
  return frame(Request.encode(Request.fromObject(message)).finish());
}

// The request and response types of a hamd.v1.Hamd method.
export function methodTypes(method: string): { request: protobuf.Type; response: protobuf.Type } {
  const rpc = root.lookupService('hamd.v1.Hamd').methods[method];
  return { request: root.lookupType(rpc.requestType), response: root.lookupType(rpc.responseType) };
}

// A framed unary call (FramedCall): `method`'s request, encoded from `message`.
export function callFrame(method: string, message: Record<string, unknown> | Uint8Array, timeoutS = 0): Buffer {
  const bytes = message instanceof Uint8Array ? message
    : (() => { const type = methodTypes(method).request; return type.encode(type.fromObject(message)).finish(); })();
  return request({ call: { method, request: bytes, timeout_s: timeoutS } });
}

// A FramedReply's response, decoded as `method`'s response message.
export function decodeReply(method: string, response: Uint8Array | undefined): Record<string, unknown> {
  const type = methodTypes(method).response;
  return type.toObject(type.decode(response ?? new Uint8Array(0)), { longs: Number, defaults: false });
}

// A framed-socket client: send bytes, read decoded frames in order.
export class FramedClient {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private readonly frames: FrameObject[] = [];
  private waiting?: () => void;
  closed = false;

  constructor(file: string) {
    this.socket = net.createConnection(file);
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readUInt32LE(0)) {
        const n = this.buffer.readUInt32LE(0);
        this.frames.push(Frame.toObject(Frame.decode(this.buffer.subarray(4, 4 + n)), { longs: Number, defaults: false }) as FrameObject);
        this.buffer = this.buffer.subarray(4 + n);
      }
      this.waiting?.();
    });
    this.socket.on('close', () => { this.closed = true; this.waiting?.(); });
    this.socket.on('error', () => undefined);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async next(timeoutMs = 20000): Promise<FrameObject | undefined> {
    const end = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed && Date.now() < end) {
      await new Promise<void>((resolve) => { this.waiting = resolve; setTimeout(resolve, 100); });
    }
    return this.frames.shift();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

