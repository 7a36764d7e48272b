// A simulation session of the Node client (hamd.v1 Session, docs/sessions.md): open once with the
// structure's fixed part, then one step per MD step, then close.
//
//   const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy', 'forces'] });
//   const { energy, forces } = await session.step(positions);   // Float64Array [n*3], Angstrom
//   await session.close();
import type * as grpc from '@grpc/grpc-js';
import { float64Array } from '../../server/wire/arrays';
import type { SessionOpen, SessionRequest, SessionResponse__Output } from '../../server/wire/types';
import type { EnergyUnit, OrbitalOrder, PredictOutput } from '../../server/wire/vocabulary';
import { decodeStructurePrediction, type StructurePrediction } from './models';

export interface SessionOptions {
  atomicNumbers: ArrayLike<number>;
  cell?: ArrayLike<number>;          // 9 numbers, rows a, b, c (Angstrom)
  pbc?: boolean | [boolean, boolean, boolean];
  outputs?: PredictOutput[];         // default energy, forces
  model?: string;                    // energy model; default: the daemon's default energy model
  hamiltonianModel?: string;         // for Hamiltonian outputs; default: the default Hamiltonian model
  units?: EnergyUnit | '';           // '' : energy outputs in eV, Hamiltonian outputs in Hartree
  order?: OrbitalOrder;
  charge?: number;
  skin?: number;                     // Verlet skin, Angstrom (default 0.5)
  // Per atom, whether its energy counts (default: all); for a host code's atoms plus ghosts as
  // one cluster, energy outputs only (docs/sessions.md).
  contributing?: ArrayLike<boolean>;
}

export interface SessionInfo {
  sessionId: string;
  model: string;
  hamiltonianModel: string;
  species: number[];
  cutoff: number;
  outputs: string[];
  energyUnits: string;
  hamiltonianUnits: string;
  skin: number;
  idleTimeoutS: number;
}

export interface SessionStepResult extends StructurePrediction {
  step: number;
  neighborsRebuilt: boolean;
  computeMicroseconds: number;
  queueMicroseconds: number;
}

// An error of one step (the session stays open): `code` is the gRPC status code.
export class SessionStepError extends Error {
  constructor(readonly code: number, message: string, readonly step: number) {
    super(message);
    this.name = 'SessionStepError';
  }
}

type Waiter = { resolve: (message: SessionResponse__Output) => void; reject: (error: Error) => void };
type SessionCall = grpc.ClientDuplexStream<SessionRequest, SessionResponse__Output>;

export class HamdSession {
  private readonly waiting: Waiter[] = [];
  private failure?: Error;
  info!: SessionInfo;

  private constructor(private readonly call: SessionCall) {
    call.on('data', (message: SessionResponse__Output) => this.waiting.shift()?.resolve(message));
    call.on('error', (error: Error) => this.fail(error));
    call.on('end', () => this.fail(new Error('the daemon ended the session')));
    // The call's final status comes in every case, even when 'end' does not (a stream whose
    // reading stopped): a step must never wait on a call that is over.
    call.on('status', (status: grpc.StatusObject) => {
      this.fail(Object.assign(new Error(status.details || 'the daemon ended the session'), { code: status.code, details: status.details }));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  private send(message: SessionRequest): Promise<SessionResponse__Output> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(message);
    });
  }

  static async open(call: SessionCall, options: SessionOptions): Promise<HamdSession> {
    const session = new HamdSession(call);
    const open: SessionOpen = {
      atomic_numbers: Array.from(options.atomicNumbers),
      outputs: options.outputs ?? [],
      model: options.model ?? '',
      hamiltonian_model: options.hamiltonianModel ?? '',
      units: options.units ?? '',
      order: options.order ?? '',
      charge: options.charge ?? 0,
      pbc: options.pbc === undefined ? [] : typeof options.pbc === 'boolean' ? [options.pbc, options.pbc, options.pbc] : [...options.pbc],
    };
    if (options.cell !== undefined) open.cell = float64Array(Float64Array.from(options.cell), [3, 3]);
    if (options.skin !== undefined) open.skin = options.skin;
    if (options.contributing !== undefined) open.contributing = Array.from(options.contributing);
    const reply = await session.send({ open });
    const o = reply.opened;
    if (!o) throw new Error('the daemon did not answer "open" with "opened"');
    session.info = {
      sessionId: o.session_id ?? '', model: o.model ?? '', hamiltonianModel: o.hamiltonian_model ?? '', species: o.species ?? [],
      cutoff: o.cutoff ?? 0, outputs: o.outputs ?? [], energyUnits: o.energy_units ?? '', hamiltonianUnits: o.hamiltonian_units ?? '',
      skin: o.skin ?? 0, idleTimeoutS: o.idle_timeout_s ?? 0,
    };
    return session;
  }

  // One step: positions [n*3] Angstrom (and a new cell for NPT). Rejects with SessionStepError
  // when the daemon refuses this step (the session stays usable), else with the stream's error.
  async step(positions: ArrayLike<number>, cell?: ArrayLike<number>): Promise<SessionStepResult> {
    const values = positions instanceof Float64Array ? positions : Float64Array.from(positions);
    const step: SessionRequest['step'] = { positions: float64Array(values, [values.length / 3, 3]) };
    if (cell !== undefined) step.cell = float64Array(Float64Array.from(cell), [3, 3]);
    const reply = await this.send({ step });
    const r = reply.result;
    if (!r) throw new Error('the daemon did not answer "step" with "result"');
    if (r.error_code) throw new SessionStepError(r.error_code, r.error_message ?? '', r.step ?? 0);
    return {
      ...decodeStructurePrediction(r.prediction ?? {}, 'result.prediction'),
      step: r.step ?? 0, neighborsRebuilt: Boolean(r.neighbors_rebuilt),
      computeMicroseconds: r.compute_us ?? 0, queueMicroseconds: r.queue_us ?? 0,
    };
  }

  // Ends the session (the daemon frees its state) and the stream.
  async close(): Promise<{ steps: number; neighborRebuilds: number }> {
    const reply = await this.send({ close: {} });
    this.call.end();
    return { steps: reply.closed?.steps ?? 0, neighborRebuilds: reply.closed?.neighbor_rebuilds ?? 0 };
  }

  // Drops the stream without closing (as a crashed client would).
  abort(): void {
    this.call.cancel();
  }
}
