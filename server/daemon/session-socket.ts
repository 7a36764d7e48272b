// The framed transport (proto/hamd/v1/hamd.proto, SessionSocketFrame; docs/sessions.md): the
// Session RPC without HTTP/2, for simulations on the daemon's host, and unary calls likewise
// (./framed-calls.ts). A step's round trip through grpc-js costs a few hundred microseconds, more
// than a small molecule's compute; over a Unix socket with length-prefixed protobuf frames it
// costs tens. A connection's first frame decides what it carries: one session, served by the
// same handler as the Session RPC (./session.ts) through an adapter that behaves like the RPC's
// stream, so both transports share every rule (lifecycle, limits, errors, logs); or calls.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import { endFrame, FrameReader, FrameTooLarge, replyFrame, responseFrame } from '../wire/session-frames';
import { encodeStepResultFrame } from '../wire/session-step-encode';
import type { SessionRequest__Output, SessionResponse } from '../wire/types';
import { FramedCalls, type FramedCallsOptions } from './framed-calls';
import type { SessionCall } from './session';
import { claimSocketPath, removeIfSame } from './socket';

const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

// One connection as a SessionCall: frames in (deliver) -> 'data' events, write() -> frames out,
// the end of the session -> a SessionEnd frame and the connection closed.
class FramedSessionCall extends EventEmitter implements SessionCall {
  private ended = false;
  private closedByPeer = false;

  constructor(private readonly socket: net.Socket, private readonly peer: string,
    private readonly serialize: (message: SessionResponse) => Buffer) {
    super();
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
    this.on('error', () => undefined);    // the status is sent by emit() below, nothing to throw
  }

  deliver(message: SessionRequest__Output): void {
    if (!this.ended) super.emit('data', message);
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
    // An MD step's answer by the hand-written encoder (the same bytes, a few µs cheaper), the
    // rest (open, close, a Hamiltonian session's results) by the generic serializer.
    const stepFrame = message.result ? encodeStepResultFrame(message.result) : undefined;
    return this.socket.write(stepFrame ?? responseFrame(this.serialize(message)));
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

// Reads a connection's frames and hands them to its session or its calls, which the first frame
// chooses. Until then, and between calls, the connection may idle for options.idleMs.
function routeConnection(socket: net.Socket, peer: string, options: SessionSocketOptions): void {
  const reader = new FrameReader(options.maxFrameBytes);
  let session: FramedSessionCall | undefined;
  let calls: FramedCalls | undefined;
  socket.setNoDelay?.(true);
  socket.on('error', () => undefined);  // a reset by the peer shows as 'close'
  // 'timeout' fires after each idle period (a listener, not setTimeout's callback, which Node
  // calls only once): a session has its own idle rule (./session.ts), and a call in progress is
  // not idleness, so the connection may be found idle again later.
  socket.setTimeout(options.idleMs);
  socket.on('timeout', () => {
    if (!session && !calls?.busy) socket.destroy();
  });
  const refuse = (code: number, message: string) => {
    socket.end(Buffer.concat(calls ? replyFrame(code, message, undefined) : [endFrame(code, message)]));
    socket.pause();
  };
  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      const message = error instanceof FrameTooLarge ? `session socket: ${error.message}` : String(error);
      if (session) session.emit('error', { code: RESOURCE_EXHAUSTED, details: message });
      else refuse(RESOURCE_EXHAUSTED, message);
      return;
    }
    for (const frame of frames) {
      if (socket.writableEnded) return;
      const message = options.deserialize(frame);
      if (session) {
        session.deliver(message);
      } else if (calls) {
        if (message.message === 'call' && message.call) calls.push(message.call);
        else refuse(INVALID_ARGUMENT, 'this connection carries framed calls (its first frame was one): open another for a session');
      } else if (message.message === 'call' && message.call) {
        calls = new FramedCalls(socket, peer.replace('session-socket', 'framed-calls'), options.calls);
        calls.push(message.call);
      } else {
        socket.setTimeout(0);
        session = new FramedSessionCall(socket, peer, options.serialize);
        void options.handler(session);
        session.deliver(message);
      }
    }
  });
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
  // How framed calls are served (./framed-calls.ts).
  calls: FramedCallsOptions;
  // A connection that has sent no session frame, or no call, for this long is closed.
  idleMs: number;
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
    routeConnection(socket, `session-socket:${++next}`, options);
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
