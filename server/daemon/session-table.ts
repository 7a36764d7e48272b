// The simulation sessions open in this daemon: their number against --max-sessions, ids for
// the log, and ending them all when the daemon shuts down (./session.ts owns one session).
import { status } from '@grpc/grpc-js';
import { resourceExhausted, StatusError } from '../wire/status';

export interface OpenSession {
  readonly id: string;
  // Ends the session with this status (its stream gets it, its native state is freed).
  end(failure: StatusError): void;
}

export class SessionTable {
  private readonly open = new Map<string, OpenSession>();
  private counter = 0;
  private closing = false;

  constructor(private readonly maxSessions: number) {}

  get size(): number {
    return this.open.size;
  }

  // A new session id; RESOURCE_EXHAUSTED at the limit, UNAVAILABLE while shutting down.
  reserve(): string {
    if (this.closing) throw new StatusError(status.UNAVAILABLE, 'the daemon is shutting down: no new sessions');
    if (this.open.size >= this.maxSessions) {
      throw resourceExhausted(`this daemon already runs ${this.open.size} sessions (at most ${this.maxSessions}; hamd serve --max-sessions)`);
    }
    this.counter += 1;
    return `s${this.counter}`;
  }

  add(session: OpenSession): void {
    this.open.set(session.id, session);
  }

  remove(id: string): void {
    this.open.delete(id);
  }

  // Shutdown: every open session ends UNAVAILABLE; no new one opens.
  endAll(): void {
    this.closing = true;
    for (const session of [...this.open.values()]) {
      session.end(new StatusError(status.UNAVAILABLE, 'the daemon is shutting down; reconnect to a running daemon'));
    }
  }
}
