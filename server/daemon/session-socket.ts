// The framed session transport (proto/hamd/v1/hamd.proto, SessionSocketFrame; docs/sessions.md):
// the Session RPC without HTTP/2, for simulations on the daemon's host. A step's round trip
// through grpc-js costs a few hundred microseconds, more than a small molecule's compute; over a
// Unix socket with length-prefixed protobuf frames it costs tens. Each connection is one session,
// served by the same handler as the Session RPC (./session.ts) through an adapter that behaves
// like the RPC's stream, so both transports share every rule: lifecycle, limits, errors, logs.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import { endFrame, FrameReader, FrameTooLarge, responseFrame } from '../wire/session-frames';
import type { SessionRequest__Output, SessionResponse } from '../wire/types';
import type { SessionCall } from './session';
import { claimSocketPath, removeIfSame } from './socket';

const RESOURCE_EXHAUSTED = 8;

// One connection as a SessionCall: frames in -> 'data' events, write() -> frames out, the end
// of the session -> a SessionEnd frame and the connection closed.
class FramedSessionCall extends EventEmitter implements SessionCall {
  private ended = false;
  private closedByPeer = false;
  private readonly reader: FrameReader;

  constructor(
    private readonly socket: net.Socket,
    private readonly peer: string,
    private readonly deserialize: (bytes: Buffer) => SessionRequest__Output,
    private readonly serialize: (message: SessionResponse) => Buffer,
    maxFrameBytes: number,
  ) {
    super();
    this.reader = new FrameReader(maxFrameBytes);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        const message = error instanceof FrameTooLarge ? `session socket: ${error.message}` : String(error);
        this.emit('error', { code: RESOURCE_EXHAUSTED, details: message });
        return;
      }
      for (const frame of frames) if (!this.ended) super.emit('data', this.deserialize(frame));
    });
    socket.on('end', () => {
      if (!this.ended) super.emit('end');
    });
    socket.on('close', () => {
      if (!this.ended) {
        this.closedByPeer = true;
        super.emit('cancelled');
      }
      super.emit('close');
    });
    socket.on('error', () => undefined);  // a reset by the peer shows as 'close'
    this.on('error', () => undefined);    // the status is sent by emit() below, nothing to throw
  }

  // The session's status: the SessionEnd frame, then the connection closes.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && !this.ended) {
      const status = args[0] as { code: grpc.status; details: string };
      this.finish(endFrame(status.code, status.details));
      return super.emit('error', status);
    }
    return super.emit(event, ...args);
  }

  write(message: SessionResponse): boolean {
    if (this.ended) return false;
    return this.socket.write(responseFrame(this.serialize(message)));
  }

  end(): void {
    if (!this.ended) this.finish(endFrame(0, ''));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get cancelled(): boolean {
    return this.closedByPeer;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  get writableEnded(): boolean {
    return this.ended;
  }

  getPeer(): string {
    return this.peer;
  }

  private finish(last: Buffer): void {
    this.ended = true;
    this.socket.end(last);
  }
}

export interface SessionSocketOptions {
  path: string;
  hamdOwnedDir: boolean;
  maxFrameBytes: number;
  logger: Logger;
  // The Session RPC's handler, serializer and (tolerant) deserializer.
  handler: (call: SessionCall) => Promise<void>;
  deserialize: (bytes: Buffer) => SessionRequest__Output;
  serialize: (message: SessionResponse) => Buffer;
}

export interface SessionSocket {
  address: string;  // unix:/path, as ServerInfo.session_socket reports it
  close(): Promise<void>;
}

// Listens on `path` (created 0600; a stale socket file is replaced, a live one refused).
export async function listenSessionSocket(options: SessionSocketOptions): Promise<SessionSocket> {
  const { removedStale } = await claimSocketPath(options.path, { hamdOwnedDir: options.hamdOwnedDir });
  if (removedStale) options.logger.warn('stale-socket-removed', { path: options.path });
  let next = 0;
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    const call = new FramedSessionCall(socket, `session-socket:${++next}`, options.deserialize, options.serialize, options.maxFrameBytes);
    void options.handler(call);
  });
  const previous = process.umask(0o177);  // socket created 0600, no window where it is wider
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  fs.chmodSync(options.path, 0o600);
  const identity = fs.lstatSync(options.path);
  return {
    address: `unix:${options.path}`,
    close: () => new Promise<void>((resolve) => {
      // Sessions were ended (SessionTable.endAll) before: their connections close themselves.
      for (const socket of connections) socket.end();
      server.close(() => resolve());
      removeIfSame(options.path, identity);
      setTimeout(() => {
        for (const socket of connections) socket.destroy();
      }, 1000).unref();
    }),
  };
}
