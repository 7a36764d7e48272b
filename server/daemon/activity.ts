// What the daemon is doing, for `hamd serve --idle-exit`: an auto-started daemon exits once no
// RPC has been in flight and no stream open for the configured time.
//
//   const end = activity.begin();   // when a call (or a stream) starts
//   ...
//   end();                          // when it ends, whatever the outcome (idempotent)
//
// Every unary RPC is counted by server/daemon/unary.ts; a streaming RPC calls begin() when its
// stream opens and end() when it closes, so that an open session keeps the daemon alive.
export class Activity {
  private active = 0;
  private lastEnd: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastEnd = this.now();
  }

  // Counts one call or stream as active until the returned end() is called.
  begin(): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      this.lastEnd = this.now();
    };
  }

  // Calls and streams in flight.
  get inFlight(): number {
    return this.active;
  }

  // Milliseconds since the last call or stream ended (or since start); 0 while any is active.
  idleForMs(): number {
    return this.active > 0 ? 0 : this.now() - this.lastEnd;
  }

  // Calls onIdle once, when the daemon has been idle for `ms`; checked every `ms / 10` (at most a
  // second, so the exit comes at most that late). Returns a function that cancels the watch. The
  // timer does not keep the process alive by itself.
  whenIdleFor(ms: number, onIdle: () => void): () => void {
    const timer = setInterval(() => {
      if (this.idleForMs() >= ms) {
        clearInterval(timer);
        onIdle();
      }
    }, Math.max(10, Math.min(1000, ms / 10)));
    timer.unref();
    return () => clearInterval(timer);
  }
}
