// The one pattern every hamd.v1 RPC is served with (server/daemon/handlers.ts):
//   1. the request's size against the daemon's limits (structures and atoms per request,
//      RESOURCE_EXHAUSTED), for every RPC that carries structures;
//   2. `check`: the wire contract (INVALID_ARGUMENT, NOT_FOUND, ... as StatusErrors) turned into
//      what `run` needs;
//   3. `run`: the work, with a cancellation token tied to the call (the client cancelled or its
//      deadline passed: the token is set, the native work stops at its next poll, and the call
//      ends CANCELLED, also when the work finished meanwhile);
//   4. `encode`: the result as the response message.
// Any error becomes a gRPC status through server/wire/status.ts (unknown errors INTERNAL). One
// "request" log line per call: method, peer, structures and atoms (when the request has
// structures), the fields the steps add, queue_us and compute_us (when the result reports them),
// code, message (on failure) and total_ms; "request-received" (debug) when it arrives. Every call
// counts as activity (./activity.ts) from its arrival until it is answered.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import type { CancelToken } from '../native/addon';
import { malformedReason } from '../wire/malformed';
import { invalidArgument, resourceExhausted, StatusError, toStatusError } from '../wire/status';
import type { HamdHandlers, HamdMethod, ReceivedRequestOf, ResponseOf, Structure__Output } from '../wire/types';
import type { Activity } from './activity';
import type { DaemonLimits } from './limits';
import type { Authorize } from './auth';
import type { DaemonStatistics } from './statistics';
import { answerOut, watchUnreadAnswer } from './stalled';

export interface HandlerContext {
  limits: DaemonLimits;
  logger: Logger;
  createCancelToken: () => CancelToken;
  // Calls and streams in flight, for the idle exit; absent: not tracked.
  activity?: Activity;
  // What has been served (GetStatistics); absent: not recorded.
  statistics?: DaemonStatistics;
  // Checks a call's credentials (TCP daemons: ./auth.ts); absent: every caller is trusted.
  authorize?: Authorize;
  // Places for compute requests (absent: no limit) and the pool's size, for the retry hint.
  admission?: Admission;
  computeThreads?: number;
}

// What the steps of one call share.
export interface CallState {
  // Fields of the call's "request" log line; the steps add theirs.
  readonly fields: Record<string, unknown>;
  // The call's cancellation token (made on first use), set when the call is cancelled.
  cancelToken(): CancelToken;
  readonly cancelled: boolean;
}

// Requests that compute, waiting, running or being sent now (back-pressure): at most
// limits.maxQueuedRequests of them, and the result bytes they hold within limits.memoryBudgetBytes.
// A request is charged what its method's results have weighed so far (a running mean; nothing
// before the first), then what its own result weighs once computed, until its answer is out;
// one request is always admitted, so a single large request is never refused for the budget.
// A client that names itself (ReceivedCall.client) may hold at most `clientShare` of both, its
// first request always admitted: one busy client leaves the rest of the daemon to the others.
export class Admission {
  private inFlight = 0;
  private charged = 0;
  private readonly weights = new Map<string, number>();
  private readonly clients = new Map<string, { inFlight: number; charged: number }>();

  constructor(private readonly limit: number, private readonly budgetBytes = Number.POSITIVE_INFINITY,
    private readonly clientShare = 1) {}

  // Takes a place, or throws RESOURCE_EXHAUSTED "busy" with a hint (ms) of when to retry: the
  // mean time a request of this method has taken, times the queue's depth per compute thread.
  enter(method: string, meanMs: number, threads: number, client?: string): AdmissionPlace {
    const expected = this.weights.get(method) ?? 0;
    const retryMs = Math.max(10, Math.ceil(meanMs * (this.inFlight / Math.max(1, threads))));
    const busy = (why: string) => Object.assign(resourceExhausted(`busy: ${why}; retry in about ${retryMs} ms`), { retryMs });
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    if (this.inFlight >= this.limit) throw busy(`${this.inFlight} requests are waiting or computing (hamd serve --max-queued ${this.limit})`);
    if (this.inFlight > 0 && this.charged + expected > this.budgetBytes) {
      throw busy(`${this.inFlight} requests hold about ${mb(this.charged)} MiB of results, and this one would add about ${mb(expected)} MiB (hamd serve --memory-budget-mb ${mb(this.budgetBytes)})`);
    }
    const mine = client !== undefined && this.clientShare < 1 ? this.clients.get(client) ?? { inFlight: 0, charged: 0 } : undefined;
    if (mine && mine.inFlight > 0) {
      const places = Math.max(1, Math.floor(this.limit * this.clientShare));
      if (mine.inFlight >= places) {
        throw busy(`this client has ${mine.inFlight} requests waiting or computing, its share of the daemon (hamd serve --client-share ${this.clientShare} of --max-queued ${this.limit})`);
      }
      if (mine.charged + expected > this.budgetBytes * this.clientShare) {
        throw busy(`this client's ${mine.inFlight} requests hold about ${mb(mine.charged)} MiB of results, and this one would add about ${mb(expected)} MiB, over its share of the memory budget (hamd serve --client-share ${this.clientShare} of --memory-budget-mb ${mb(this.budgetBytes)})`);
      }
    }
    if (mine && mine.inFlight === 0) this.clients.set(client!, mine);
    this.inFlight += 1;
    this.charged += expected;
    if (mine) { mine.inFlight += 1; mine.charged += expected; }
    let charge = expected;
    let left = false;
    return {
      weigh: (bytes: number) => {
        if (left) return;
        this.charged += bytes - charge;
        if (mine) mine.charged += bytes - charge;
        charge = bytes;
        const mean = this.weights.get(method);
        this.weights.set(method, mean === undefined ? bytes : 0.75 * mean + 0.25 * bytes);
      },
      leave: () => {
        if (left) return;
        left = true;
        this.inFlight -= 1;
        this.charged -= charge;
        if (mine) {
          mine.inFlight -= 1;
          mine.charged -= charge;
          if (mine.inFlight === 0) this.clients.delete(client!);
        }
      },
    };
  }
}

export interface AdmissionPlace {
  weigh(resultBytes: number): void;  // the request's own result, once computed
  leave(): void;                     // its answer is out (or it failed)
}

export interface UnarySpec<M extends HamdMethod, Checked, Result, Response = ResponseOf<M>> {
  // Log fields known from the raw request (before any check), e.g. the descriptor kind.
  describe?: (request: ReceivedRequestOf<M>) => Record<string, unknown>;
  check: (request: ReceivedRequestOf<M>, call: CallState) => Checked;
  run: (checked: Checked, call: CallState) => Promise<Result> | Result;
  encode: (result: Result, checked: Checked, call: CallState) => Response;
  // Log a success at debug level only (calls that monitoring polls).
  quiet?: boolean;
  // Compute requests take a place in the daemon's admission (back-pressure) before `run`.
  computes?: boolean;
  // Bytes the result holds until the answer is out (the admission's memory budget); absent: 0.
  weigh?: (result: Result) => number;
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Structures and atoms of a request that carries structures (ComputeDescriptors, Predict).
function requestSize(request: unknown): { structures: number; atoms: number } | undefined {
  const structures = (request as { structures?: Structure__Output[] } | null)?.structures;
  if (!Array.isArray(structures)) return undefined;
  return { structures: structures.length, atoms: structures.reduce((n, s) => n + (s?.atomic_numbers?.length ?? 0), 0) };
}

function checkRequestSize(size: { structures: number; atoms: number }, limits: DaemonLimits): void {
  if (size.structures > limits.maxStructuresPerRequest) {
    throw resourceExhausted(`structures: ${size.structures} structures but this daemon accepts at most ${limits.maxStructuresPerRequest} per request`);
  }
  if (size.atoms > limits.maxAtomsPerRequest) {
    throw resourceExhausted(`structures: ${size.atoms} atoms in total but this daemon accepts at most ${limits.maxAtomsPerRequest} per request`);
  }
}

// Native results report where their time went.
function timing(result: unknown): Record<string, number> {
  const r = result as { queueMicroseconds?: unknown; computeMicroseconds?: unknown } | null;
  if (typeof r?.queueMicroseconds !== 'number' || typeof r?.computeMicroseconds !== 'number') return {};
  return { queue_us: r.queueMicroseconds, compute_us: r.computeMicroseconds };
}

let nextRequestId = 1;

// The name a caller gives itself, at most 64 printable characters (longer or odd names are cut,
// not refused: the name only keys a share and a log field).
function clientName(call: ReceivedCall<unknown>): string | undefined {
  const given = call.client ?? call.metadata?.get('hamd-client')[0];
  if (typeof given !== 'string' || given.length === 0) return undefined;
  return given.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

const cancelledByClient = (): StatusError =>
  new StatusError(grpc.status.CANCELLED, 'cancelled: the client cancelled the call or its deadline passed');

// What a call's answer goes through: the unary callback, a server stream's chunks, or a frame
// of the framed transport (./framed-calls.ts).
export interface Reply<Response> {
  // Sends the response; a promise when sending takes time (a stream that the client reads).
  // `fields`: the call's log fields (request_id, method, ...), for lines about its answer.
  ok(response: Response, fields: Record<string, unknown>): void | Promise<void>;
  // Resolves once the response handed to ok() has left the daemon (absent: at once).
  sent?(): Promise<void>;
  fail(status: grpc.StatusObject | { code: grpc.status; details: string; metadata?: grpc.Metadata }): void;
}

// The call as every transport presents it (grpc-js's server calls; ./framed-calls.ts).
export interface ReceivedCall<Request> {
  request: Request;
  // The caller's metadata; absent on the framed transport, a 0600 Unix socket whose mode is its
  // authentication (as for sessions on it).
  metadata?: grpc.Metadata;
  // Who calls, as the client names itself (FramedCall.client; gRPC: metadata "hamd-client"):
  // the key of its share of the daemon (Admission). Absent: an anonymous caller.
  client?: string;
  readonly cancelled: boolean;
  getPeer(): string;
  on(event: 'cancelled', listener: () => void): unknown;
}

// Steps 1-4 for one call, then its answer through `reply`; logs and statistics.
async function serveCall<M extends HamdMethod, Checked, Result, Response>(
  context: HandlerContext, method: M, spec: UnarySpec<M, Checked, Result, Response>,
  call: ReceivedCall<ReceivedRequestOf<M>>, reply: Reply<Response>,
): Promise<void> {
  const { limits, logger } = context;
  const start = process.hrtime.bigint();
  const end = context.activity?.begin();
  const malformed = malformedReason(call.request);
  const size = malformed === undefined ? requestSize(call.request) : undefined;
  // request_id: the call's number in this daemon, in every log line of the call (its "request"
  // line, the warnings it causes) so that lines of interleaved calls can be told apart.
  const client = clientName(call);
  const fields: Record<string, unknown> = {
    request_id: nextRequestId++, method, ...(malformed === undefined ? spec.describe?.(call.request) : {}), ...size, peer: call.getPeer(),
    ...(client !== undefined ? { client } : {}),
  };
  let token: CancelToken | undefined;
  const state: CallState = {
    fields,
    cancelToken: () => {
      if (!token) {
        const made = context.createCancelToken();
        call.on('cancelled', () => made.cancel());
        if (call.cancelled) made.cancel();
        token = made;
      }
      return token;
    },
    get cancelled() { return call.cancelled; },
  };
  logger.debug('request-received', fields);
  let place: AdmissionPlace | undefined;
  let answered = false;
  try {
    if (call.metadata) context.authorize?.(call.metadata);
    if (malformed !== undefined) throw invalidArgument(malformed);
    if (size) checkRequestSize(size, limits);
    const checked = spec.check(call.request, state);
    if (call.cancelled) throw cancelledByClient();
    if (spec.computes && context.admission) {
      place = context.admission.enter(method, context.statistics?.meanTotalMs(method) ?? 100, context.computeThreads ?? 1, client);
    }
    const result = await spec.run(checked, state);
    if (call.cancelled) throw cancelledByClient();
    place?.weigh(spec.weigh?.(result) ?? 0);
    const response = spec.encode(result, checked, state);
    await reply.ok(response, fields);
    answered = true;
    const total = elapsedMs(start);
    const times = timing(result);
    logger.log(spec.quiet ? 'debug' : 'info', 'request', { ...fields, code: 'OK', ...times, total_ms: total });
    context.statistics?.record({
      method, model: typeof fields.model === 'string' ? fields.model : undefined, code: 'OK', queueUs: times.queue_us,
      computeUs: times.compute_us, totalUs: 1000 * total, structures: size?.structures, atoms: size?.atoms,
    });
  } catch (error) {
    // A cancelled call ends CANCELLED whatever the work ended with (but a bug stays INTERNAL).
    let failure = toStatusError(error);
    if (call.cancelled && failure.code !== grpc.status.CANCELLED && failure.code !== grpc.status.INTERNAL) failure = cancelledByClient();
    const retryMs = (error as { retryMs?: number } | null)?.retryMs;
    if (retryMs !== undefined) {
      // gRPC's retry pushback: clients with a retry policy wait this long before retrying.
      const trailer = new grpc.Metadata();
      trailer.set('grpc-retry-pushback-ms', String(retryMs));
      reply.fail({ code: failure.code, details: failure.message, metadata: trailer });
    } else {
      reply.fail({ code: failure.code, details: failure.message });
    }
    const level = failure.code === grpc.status.INTERNAL ? 'error' : 'info';
    logger.log(level, 'request', { ...fields, code: grpc.status[failure.code], message: failure.message, total_ms: elapsedMs(start) });
    context.statistics?.record({ method, model: typeof fields.model === 'string' ? fields.model : undefined, code: grpc.status[failure.code], totalUs: 1000 * elapsedMs(start) });
  } finally {
    // The place (and its result bytes) is held until the answer has left the daemon.
    if (place && answered && reply.sent) void reply.sent().finally(() => place!.leave());
    else place?.leave();
    end?.();
  }
}

// A unary method as other transports serve it: the same steps, another Reply (./framed-calls.ts).
export type ServeUnary = (call: ReceivedCall<unknown>, reply: Reply<unknown>) => Promise<void>;

// The ServeUnary of a handler that unaryHandler made; undefined for streaming methods.
export function serveUnaryOf(handler: unknown): ServeUnary | undefined {
  return (handler as { [SERVE]?: ServeUnary } | undefined)?.[SERVE];
}

const SERVE = Symbol('hamd.serveUnary');

export function unaryHandler<M extends HamdMethod, Checked, Result>(
  context: HandlerContext, method: M, spec: UnarySpec<M, Checked, Result>,
): HamdHandlers[M] {
  const handler = grpcUnaryHandler(context, method, spec);
  const serve: ServeUnary = (call, reply) => serveCall(context, method, spec,
    call as ReceivedCall<ReceivedRequestOf<M>>, reply as Reply<ResponseOf<M>>);
  return Object.assign(handler, { [SERVE]: serve }) as HamdHandlers[M];
}

function grpcUnaryHandler<M extends HamdMethod, Checked, Result>(
  context: HandlerContext, method: M, spec: UnarySpec<M, Checked, Result>,
): grpc.handleUnaryCall<ReceivedRequestOf<M>, ResponseOf<M>> {
  const stallMs = 1000 * context.limits.stalledStreamTimeoutS;
  const handler: grpc.handleUnaryCall<ReceivedRequestOf<M>, ResponseOf<M>> = (call, callback) =>
    serveCall(context, method, spec, call, {
      ok: (response, fields) => {
        callback(null, response);
        // A large answer the client does not read is dropped after the stall timeout (./stalled.ts).
        watchUnreadAnswer(call, stallMs, (pendingBytes) => context.logger.warn('answer-unread', {
          request_id: fields.request_id, method, peer: fields.peer, pending_bytes: pendingBytes,
          action: `stream reset after ${stallMs / 1000} s without progress`,
        }));
      },
      fail: (status) => callback(status),
      sent: () => answerOut(call),
    });
  return handler;
}

// A server-streaming RPC served by the same steps: `encode` gives the answer, which `write`
// sends as the stream's messages (e.g. ./descriptor-stream.ts, as fast as the client reads).
export function serverStreamHandler<M extends HamdMethod, Checked, Result, Answer>(
  context: HandlerContext, method: M, spec: UnarySpec<M, Checked, Result, Answer>,
  write: (call: grpc.ServerWritableStream<ReceivedRequestOf<M>, ResponseOf<M>>, answer: Answer) => Promise<void>,
): HamdHandlers[M] {
  const handler: grpc.handleServerStreamingCall<ReceivedRequestOf<M>, ResponseOf<M>> = (call) =>
    serveCall(context, method, spec, call, {
      ok: async (response) => {
        await write(call, response);
        call.end();
      },
      fail: (status) => {
        if (!call.cancelled && !call.writableEnded) call.emit('error', status);
      },
    });
  return handler as unknown as HamdHandlers[M];
}
