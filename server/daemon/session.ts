// The Session RPC (docs/sessions.md): one bidirectional stream per simulation. Lifecycle as a
// language server's: `open` -> `opened`, any number of `step` -> `result` (in order, one step
// computing at a time), `close` -> `closed`, then the stream ends OK. The session ends, and its
// native state (neighbour lists, result storage) is freed, on close, when the client goes away
// (stream cancelled or ended), after the idle timeout, or when the daemon shuts down.
//
// A step the models refuse is answered with error_code/error_message and the session stays
// open: one bad frame of a long simulation must not lose the session. Protocol errors (a step
// before open, a second open, an empty message) end the stream with INVALID_ARGUMENT.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger';
import type { ModelRegistry } from '../models/registry';
import type { CancelToken } from '../native/addon';
import type { NativeEnergySession, NativeStructurePrediction, NativeSessionStep } from '../native/model-addon';
import { malformedReason } from '../wire/malformed';
import { invalidArgument, StatusError, toStatusError } from '../wire/status';
import type { SessionRequest__Output, SessionResponse, SessionStep__Output, StructurePrediction } from '../wire/types';
import type { Activity } from './activity';
import type { DaemonLimits } from './limits';
import type { Authorize } from './auth';
import type { DaemonStatistics } from './statistics';
import { energyPrediction, hamiltonianPrediction } from './predict';
import { checkSessionOpen, type SessionPlan } from './session-open';
import type { SessionTable } from './session-table';
import { decodeCell, decodePositions, hasCell } from './validate';

export interface SessionContext {
  limits: DaemonLimits;
  logger: Logger;
  createCancelToken: () => CancelToken;
  sessions: SessionTable;
  models?: ModelRegistry;
  // The session counts as activity while open (hamd serve --idle-exit waits for it to end).
  activity?: Activity;
  // Opens and steps are counted there (GetStatistics).
  statistics?: DaemonStatistics;
  // Checks the stream's credentials before anything else (TCP daemons: ./auth.ts).
  authorize?: Authorize;
}

// What a session needs of its transport: the Session RPC's stream (grpc-js), or a connection of
// the framed session socket (./session-socket.ts), which behaves the same.
export interface SessionCall {
  on(event: 'data', listener: (message: SessionRequest__Output) => void): unknown;
  on(event: 'end' | 'close' | 'cancelled' | 'error', listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
  write(message: SessionResponse): unknown;
  end(): unknown;
  // Ends the stream with a status (grpc-js: emitting 'error' with { code, details }).
  emit(event: 'error', status: { code: grpc.status; details: string }): boolean;
  readonly cancelled: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  // The call's metadata (the RPC's; the framed socket, a private Unix socket, has none).
  readonly metadata?: grpc.Metadata;
  getPeer(): string;
}

type Call = SessionCall;

// A step runs inline (Session.inlineNext) only when its predecessor computed within this
// bound: the event loop is then busy at most about this long before it serves other calls.
const INLINE_STEP_MAX_US = 2000;

// Messages of one stream, one at a time, with backpressure (the stream pauses while a few
// wait) and an idle timer that counts only while the daemon waits for the client. The timer is
// set once and re-armed only when it fires (for what is left of the idle time), not on every
// message: an MD step should not pay for creating and cancelling a timer.
class Inbox {
  private readonly queue: SessionRequest__Output[] = [];
  private wake?: () => void;
  private timer?: NodeJS.Timeout;
  private waitingSince?: number;  // performance.now() when the daemon began waiting; undefined while it works
  ended = false;

  constructor(private readonly call: Call, private readonly idleMs: number, private readonly onIdle: () => void) {
    call.on('data', (message: SessionRequest__Output) => {
      this.queue.push(message);
      if (this.queue.length >= 4) call.pause();
      this.wake?.();
    });
    const stop = () => {
      this.ended = true;
      this.wake?.();
    };
    call.on('end', stop);
    call.on('close', stop);
    call.on('cancelled', stop);
    call.on('error', stop);
  }

  async next(): Promise<SessionRequest__Output | undefined> {
    this.waitingSince = performance.now();
    this.timer ??= this.armFor(this.idleMs);
    while (this.queue.length === 0 && !this.ended) await new Promise<void>((resolve) => { this.wake = resolve; });
    this.wake = undefined;
    this.waitingSince = undefined;
    const message = this.queue.shift();
    if (this.queue.length < 2) this.call.resume();
    if (this.ended) return undefined;
    const malformed = malformedReason(message);  // bytes that are no SessionRequest
    if (malformed !== undefined) throw invalidArgument(malformed);
    return message;
  }

  private armFor(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timer = undefined;
      if (this.ended) return;
      const waited = this.waitingSince === undefined ? 0 : performance.now() - this.waitingSince;
      if (waited >= this.idleMs) this.onIdle();
      else this.timer = this.armFor(this.idleMs - waited);
    }, Math.max(1, ms));
    timer.unref();
    return timer;
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.ended = true;
    this.disarm();
    this.wake?.();
  }
}

function cellOf(step: SessionStep__Output, where: string): Float64Array | undefined {
  return hasCell(step.cell) ? decodeCell(step.cell, `${where}.cell`) : undefined;
}

// One session, from open to its end.
class Session {
  private native?: NativeEnergySession;
  private token?: CancelToken;
  private steps = 0;
  private rebuilds = 0;
  private cell?: Float64Array;
  private lastComputeUs?: number;
  private finished = false;
  private endActivity?: () => void;
  private readonly started = process.hrtime.bigint();

  constructor(
    readonly id: string, private readonly call: Call, private readonly inbox: Inbox,
    private readonly plan: SessionPlan, private readonly context: SessionContext,
  ) {}

  open(): SessionResponse {
    const { plan } = this;
    this.endActivity = this.context.activity?.begin();
    if (plan.energy) {
      this.native = plan.energy.handle.openSession({
        system: plan.frame, skin: plan.skin, outputs: plan.energy.outputs, units: plan.energy.units, contributing: plan.contributing,
      });
    }
    this.cell = plan.frame.cell;
    const species = [plan.energy, plan.hamiltonian].filter((p) => p !== undefined)
      .map((p) => new Set(p.metadata.species))
      .reduce((a, b) => new Set([...a].filter((z) => b.has(z))));
    return {
      opened: {
        session_id: this.id,
        model: plan.energy?.model ?? '',
        hamiltonian_model: plan.hamiltonian?.model ?? '',
        species: [...species].sort((a, b) => a - b),
        cutoff: Math.max(plan.energy?.metadata.cutoff ?? 0, plan.hamiltonian?.metadata.cutoff ?? 0),
        outputs: plan.outputs,
        energy_units: plan.energy?.units ?? '',
        hamiltonian_units: plan.hamiltonian?.units ?? '',
        skin: plan.skin,
        idle_timeout_s: this.context.limits.sessionIdleTimeoutS,
      },
    };
  }

  // Whether the next step may run on the event loop's thread (when the pool is idle, which the
  // addon checks): the pool's hand-off costs two thread wake-ups and a completion (~60-80 µs
  // on the 2-core development machine), as much as the rest of the serving. Only for the
  // daemon's only session, whose previous step was small: with other sessions the steps must
  // spread over the pool's threads, and a large step must not hold the event loop.
  private inlineNext(): boolean {
    return this.context.sessions.size === 1 && this.plan.hamiltonian === undefined
      && this.lastComputeUs !== undefined && this.lastComputeUs <= INLINE_STEP_MAX_US;
  }

  // The session's model as statistics name it: the energy model, else the Hamiltonian model.
  get modelName(): string {
    return this.plan.energy?.model ?? this.plan.hamiltonian?.model ?? '';
  }

  async step(step: SessionStep__Output): Promise<SessionResponse> {
    const index = this.steps;
    const n = this.plan.frame.types.length;
    const start = process.hrtime.bigint();
    try {
      const positions = decodePositions(step.positions, n, 'step.positions');
      const newCell = cellOf(step, 'step');
      if (newCell && !this.plan.frame.pbc.some(Boolean)) throw invalidArgument('step.cell: the session is not periodic (open.pbc)');
      // One token for the session's life: ending the session cancels the step in flight.
      this.token ??= this.context.createCancelToken();
      const energyStep = this.native?.step(positions, newCell, this.token, this.inlineNext());
      const hamiltonianStep = this.plan.hamiltonian ? this.hamiltonianStep(positions, this.token) : undefined;
      // Awaited apart, not through Promise.all: one model per session is the common case, and
      // each extra promise hop is microseconds on every MD step. (A Hamiltonian step that fails
      // while the energy step is awaited must not count as an unhandled rejection.)
      hamiltonianStep?.catch(() => undefined);
      const energy = energyStep ? await energyStep : undefined;
      const hamiltonian = hamiltonianStep ? await hamiltonianStep : undefined;
      if (newCell) this.cell = newCell;
      this.steps += 1;
      if (energy?.neighborsRebuilt) this.rebuilds += 1;
      this.lastComputeUs = energy?.computeMicroseconds;
      const prediction: StructurePrediction = {
        ...(hamiltonian ? hamiltonianPrediction(hamiltonian.prediction) : {}),
        ...(energy ? energyPrediction(energy) : {}),
      };
      const computeUs = Math.max(energy?.computeMicroseconds ?? 0, hamiltonian?.computeMicroseconds ?? 0);
      const queueUs = Math.max(energy?.queueMicroseconds ?? 0, hamiltonian?.queueMicroseconds ?? 0);
      this.context.statistics?.record({
        method: 'SessionStep', model: this.modelName, code: 'OK', queueUs, computeUs,
        totalUs: Number(process.hrtime.bigint() - start) / 1e3, structures: 1, atoms: n,
      });
      return {
        result: {
          step: index, prediction, neighbors_rebuilt: energy?.neighborsRebuilt ?? false,
          compute_us: Math.max(energy?.computeMicroseconds ?? 0, hamiltonian?.computeMicroseconds ?? 0),
          queue_us: Math.max(energy?.queueMicroseconds ?? 0, hamiltonian?.queueMicroseconds ?? 0),
        },
      };
    } catch (error) {
      const failure = toStatusError(error);
      if (failure.code === grpc.status.INTERNAL || failure.code === grpc.status.CANCELLED || failure.code === grpc.status.UNAVAILABLE) throw failure;
      this.context.logger.info('session-step', { session: this.id, step: index, code: grpc.status[failure.code], message: failure.message, total_ms: Number(process.hrtime.bigint() - start) / 1e6 });
      this.context.statistics?.record({ method: 'SessionStep', model: this.modelName, code: grpc.status[failure.code], totalUs: Number(process.hrtime.bigint() - start) / 1e3 });
      return { result: { step: index, error_code: failure.code, error_message: failure.message } };
    }
  }

  private async hamiltonianStep(positions: Float64Array, token: CancelToken) {
    const part = this.plan.hamiltonian!;
    const result = await part.handle.predict({
      systems: [{ ...this.plan.frame, positions }], outputs: part.outputs, units: part.units, order: part.order, variant: 'best', charge: part.charge,
    }, token);
    const prediction: NativeStructurePrediction = result.structures[0];
    return { prediction, computeMicroseconds: result.computeMicroseconds, queueMicroseconds: result.queueMicroseconds };
  }

  // Frees everything; the stream gets `failure` (or ends OK). Idempotent.
  end(failure?: StatusError, reason = failure ? grpc.status[failure.code] : 'closed'): void {
    if (this.finished) return;
    this.finished = true;
    this.inbox.stop();
    this.token?.cancel();
    const totals = this.native?.close();
    this.native = undefined;
    this.context.sessions.remove(this.id);
    this.endActivity?.();
    this.context.logger.info('session-end', {
      session: this.id, reason, steps: this.steps, neighbor_rebuilds: totals?.neighborRebuilds ?? this.rebuilds,
      ...(failure ? { message: failure.message } : {}), total_ms: Number(process.hrtime.bigint() - this.started) / 1e6,
    });
    if (this.call.cancelled || this.call.destroyed || this.call.writableEnded) return;
    if (failure) this.call.emit('error', { code: failure.code, details: failure.message });
    else this.call.end();
  }

  get closedSummary(): SessionResponse {
    return { closed: { steps: this.steps, neighbor_rebuilds: this.rebuilds } };
  }
}

function write(call: Call, message: SessionResponse): void {
  if (!call.cancelled && !call.destroyed && !call.writableEnded) call.write(message);
}

export function sessionHandler(context: SessionContext): (call: SessionCall) => Promise<void> {
  const { logger, limits } = context;
  return async (call) => {
    const peer = call.getPeer();
    let session: Session | undefined;
    const inbox = new Inbox(call, 1000 * limits.sessionIdleTimeoutS, () => {
      const failure = new StatusError(grpc.status.DEADLINE_EXCEEDED, `session idle: no message for ${limits.sessionIdleTimeoutS} s (hamd serve --session-idle-timeout)`);
      if (session) session.end(failure, 'idle');
      else {
        inbox.stop();
        call.emit('error', { code: failure.code, details: failure.message });
      }
    });
    try {
      if (context.authorize && call.metadata) context.authorize(call.metadata);
      const first = await inbox.next();
      if (first === undefined) return;
      if (first.message !== 'open' || !first.open) throw invalidArgument(`the first message of a session must be "open", not "${first.message ?? 'empty'}"`);
      if (!context.models) throw new StatusError(grpc.status.UNIMPLEMENTED, 'this daemon serves no models');
      const id = context.sessions.reserve();
      const plan = checkSessionOpen(first.open, context.models, limits);
      session = new Session(id, call, inbox, plan, context);
      const opened = session.open();
      context.sessions.add(session);
      context.statistics?.record({ method: 'SessionOpen', model: session.modelName, code: 'OK', totalUs: 0, atoms: plan.frame.types.length });
      logger.info('session-open', { session: id, peer, atoms: plan.frame.types.length, outputs: plan.outputs, model: plan.energy?.model, hamiltonian_model: plan.hamiltonian?.model, skin: plan.skin, contributing: plan.contributing ? plan.contributing.reduce((a, b) => a + b, 0) : undefined });
      write(call, opened);
      for (;;) {
        const message = await inbox.next();
        if (message === undefined) {
          // Cancelled, broken, or ended without "close": the client is gone either way.
          session.end(undefined, 'client-gone');
          return;
        }
        if (message.message === 'step' && message.step) {
          const response = await session.step(message.step);
          write(call, response);
        } else if (message.message === 'close') {
          write(call, session.closedSummary);
          session.end(undefined, 'closed');
          return;
        } else {
          throw invalidArgument(message.message === 'open' ? 'the session is already open: a second "open" (open a new stream for another structure)'
            : message.message === 'call' ? 'a framed call inside a session: calls go on a connection of their own (docs/sessions.md)'
              : 'empty session message: set open, step or close');
        }
      }
    } catch (error) {
      const failure = toStatusError(error);
      if (session) session.end(failure);
      else if (!call.cancelled && !call.writableEnded) {
        inbox.stop();
        call.emit('error', { code: failure.code, details: failure.message });
      }
      const level = failure.code === grpc.status.INTERNAL ? 'error' : 'info';
      if (!session) {
        logger.log(level, 'session-refused', { peer, code: grpc.status[failure.code], message: failure.message });
        context.statistics?.record({ method: 'SessionOpen', code: grpc.status[failure.code], totalUs: 0 });
      }
    }
  };
}
