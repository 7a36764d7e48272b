// What the daemon has served, per method and model (the GetStatistics RPC, after Triton's
// statistics extension). Every unary call is recorded by ./unary.ts when it is answered, every
// session open and step by ./session.ts; reading them costs one pass over a few entries.
import type { MethodStatistics, Statistics } from '../wire/types';

export interface CallRecord {
  method: string;
  model?: string;
  code: string;               // gRPC code name, "OK" on success
  queueUs?: number;
  computeUs?: number;
  totalUs: number;
  structures?: number;
  atoms?: number;
}

interface Entry {
  success: number;
  failure: number;
  failureCodes: Map<string, number>;
  queueUs: number;
  computeUs: number;
  totalUs: number;
  structures: number;
  atoms: number;
}

const MAX_ENTRIES = 512;

export class DaemonStatistics {
  private readonly entries = new Map<string, Entry>();
  private readonly started = process.hrtime.bigint();

  record(call: CallRecord): void {
    let key = `${call.method}\u0000${call.model ?? ''}`;
    // Model names come from requests: past this many entries (a client naming endless models
    // that do not exist), new names share one entry so the table stays bounded.
    if (!this.entries.has(key) && this.entries.size >= MAX_ENTRIES) key = `${call.method}\u0000(other)`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { success: 0, failure: 0, failureCodes: new Map(), queueUs: 0, computeUs: 0, totalUs: 0, structures: 0, atoms: 0 };
      this.entries.set(key, entry);
    }
    if (call.code !== 'OK') {
      entry.failure += 1;
      entry.failureCodes.set(call.code, (entry.failureCodes.get(call.code) ?? 0) + 1);
      return;
    }
    entry.success += 1;
    entry.queueUs += call.queueUs ?? 0;
    entry.computeUs += call.computeUs ?? 0;
    entry.totalUs += call.totalUs;
    entry.structures += call.structures ?? 0;
    entry.atoms += call.atoms ?? 0;
  }

  // Mean time from arrival to answer of `method`'s successful calls (over every model), ms;
  // undefined before the first.
  meanTotalMs(method: string): number | undefined {
    let total = 0, count = 0;
    for (const [key, e] of this.entries) {
      if (key.startsWith(`${method}\u0000`)) { total += e.totalUs; count += e.success; }
    }
    return count > 0 ? total / count / 1000 : undefined;
  }

  snapshot(openSessions: number): Statistics {
    const methods: MethodStatistics[] = [...this.entries.entries()]
      .map(([key, e]) => {
        const [method, model] = key.split('\u0000');
        return {
          method, model, success: e.success, failure: e.failure, failure_codes: Object.fromEntries(e.failureCodes),
          queue_us: e.queueUs, compute_us: e.computeUs, total_us: e.totalUs, structures: e.structures, atoms: e.atoms,
        };
      })
      .sort((a, b) => (a.method === b.method ? a.model.localeCompare(b.model) : a.method.localeCompare(b.method)));
    return { uptime_s: Number(process.hrtime.bigint() - this.started) / 1e9, methods, open_sessions: openSessions };
  }
}
