// Unary calls on the framed transport (proto/hamd/v1/hamd.proto, FramedCall; docs/sessions.md,
// "Framed calls"). From Python, a unary gRPC call to this daemon costs ~0.8 ms before any work
// (HTTP/2 and two gRPC stacks), more than a small descriptor request computes; a framed call on
// the daemon's Unix session socket costs a fraction of that. Each call is served by the method's
// own steps (./unary.ts serveCall: checks, limits, admission, logs, statistics), only its answer
// travels differently: one FramedReply frame per call, in order.
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import { replyFrame } from '../wire/session-frames';
import type { FramedCall__Output } from '../wire/types';
import { watchPendingBytes } from './stalled';
import { serveUnaryOf, type ReceivedCall, type Reply } from './unary';

export interface FramedCallsOptions {
  // The daemon's handlers (./handlers.ts hamdHandlers) and the service's (tolerant) codecs.
  handlers: Record<string, unknown>;
  service: grpc.ServiceDefinition;
  logger: Logger;
  // An answer the client does not read for this long is dropped with its connection.
  stallMs: number;
}

// One call as serveCall sees it: the request, the peer, and cancellation (the connection closed,
// or the call's deadline passed).
class FramedUnaryCall<Request> extends EventEmitter implements ReceivedCall<Request> {
  cancelled = false;
  deadlinePassed = false;
  private timer?: NodeJS.Timeout;

  constructor(readonly request: Request, private readonly peer: string, timeoutS: number, readonly client?: string) {
    super();
    if (timeoutS > 0) {
      this.timer = setTimeout(() => {
        this.deadlinePassed = true;
        this.cancel();
      }, Math.min(1000 * timeoutS, 2 ** 31 - 1));
    }
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emit('cancelled');
  }

  done(): void {
    clearTimeout(this.timer);
  }

  getPeer(): string {
    return this.peer;
  }
}

const STREAMING = new Set(['Session', 'ComputeDescriptorsStream']);

// The calls of one connection, served one after the other in arrival order.
export class FramedCalls {
  private readonly queue: FramedCall__Output[] = [];
  private current?: FramedUnaryCall<unknown>;
  private running = false;

  constructor(private readonly socket: net.Socket, private readonly peer: string, private readonly options: FramedCallsOptions) {
    socket.once('close', () => this.current?.cancel());
  }

  // Whether a call is being served or waits: the connection is not idle then, however long the
  // work takes without traffic.
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  push(call: FramedCall__Output): void {
    this.queue.push(call);
    // A client that sends ahead waits for its answers: read no more until the queue is served.
    if (this.queue.length > 1) this.socket.pause();
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0 && !this.socket.destroyed) {
      await this.serve(this.queue.shift()!);
      if (this.queue.length <= 1) this.socket.resume();
    }
    this.running = false;
  }

  private async serve(message: FramedCall__Output): Promise<void> {
    const method = message.method ?? '';
    const serve = STREAMING.has(method) ? undefined : serveUnaryOf(this.options.handlers[method]);
    const codec = this.options.service[method];
    if (!serve || !codec) {
      const what = STREAMING.has(method) ? 'a streaming method: use its gRPC stream' : 'no such unary method of hamd.v1.Hamd';
      this.write(replyFrame(grpc.status.UNIMPLEMENTED, `framed call "${method.slice(0, 64)}": ${what}`, undefined));
      return;
    }
    const call = new FramedUnaryCall(codec.requestDeserialize(message.request ?? Buffer.alloc(0)), this.peer,
      Number(message.timeout_s ?? 0), message.client || undefined);
    this.current = call;
    let sent: Promise<void> = Promise.resolve();
    const reply: Reply<unknown> = {
      ok: (response) => {
        sent = this.write(replyFrame(0, '', codec.responseSerialize(response)));
      },
      fail: (status) => {
        const deadline = call.deadlinePassed && status.code === grpc.status.CANCELLED;
        const retryMs = Number(status.metadata?.get('grpc-retry-pushback-ms')[0] ?? 0);
        sent = this.write(replyFrame(deadline ? grpc.status.DEADLINE_EXCEEDED : status.code,
          deadline ? `deadline exceeded: the call's timeout of ${message.timeout_s} s passed` : status.details, undefined, retryMs));
      },
      sent: () => sent,
    };
    try {
      await serve(call, reply);
    } finally {
      call.done();
      this.current = undefined;
    }
  }

  // Writes a frame's pieces; resolves once they have left the daemon (or the connection is
  // gone). An answer the client stops reading closes the connection after options.stallMs.
  private write(pieces: Buffer[]): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      // The last piece's callback runs once it is out, or with an error when the connection is
      // destroyed first: either way the answer no longer holds the daemon's memory.
      socket.cork();
      pieces.forEach((piece, i) => socket.write(piece, i === pieces.length - 1 ? () => resolve() : undefined));
      socket.uncork();
      if (socket.writableLength > 0) {
        watchPendingBytes({
          get writableLength() { return socket.writableLength; },
          get destroyed() { return socket.destroyed; },
          close: () => socket.destroy(),
        }, this.options.stallMs, (pendingBytes) => this.options.logger.warn('answer-unread', {
          peer: this.peer, pending_bytes: pendingBytes, action: `connection closed after ${this.options.stallMs / 1000} s without progress`,
        }));
      }
    });
  }
}
