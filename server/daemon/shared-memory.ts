// Files of the shared-memory transport (ComputeDescriptorsRequest.shared_memory): where
// they go, their names, and the reaper that deletes those a client never collected (it
// died between the response and its unlink). The addon creates and writes the files;
// this side only names and removes them.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from './logger';

export const SHARED_MEMORY_PREFIX = 'hamd-shm-';
export const defaultSharedMemoryTtlMs = 60_000;

// /dev/shm when we may create files there (RAM, shared by every process of the host),
// else the socket's private directory (0700): still the same host, maybe a disk.
export function sharedMemoryDirectory(socketPath: string): string {
  try {
    if (fs.statSync('/dev/shm').isDirectory()) {
      fs.accessSync('/dev/shm', fs.constants.W_OK | fs.constants.X_OK);
      return '/dev/shm';
    }
  } catch {
    /* no /dev/shm: fall back */
  }
  return path.dirname(socketPath);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SharedMemoryFiles {
  private readonly uid = process.getuid?.() ?? 0;
  // hamd-shm-<uid>-<pid>-<n>-<random>: the uid and pid say whose it is, the random part
  // makes names unguessable (the addon creates with O_EXCL anyway).
  private readonly prefix = `${SHARED_MEMORY_PREFIX}${this.uid}-${process.pid}-`;
  private counter = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly directory: string, readonly ttlMs: number, private readonly logger: Logger) {
    // Check often enough that a file never outlives its TTL by more than half of it.
    this.timer = setInterval(() => this.reap(), Math.min(Math.max(ttlMs / 2, 50), 30_000));
    this.timer.unref();
    this.reap();
  }

  newPath(): string {
    this.counter += 1;
    return path.join(this.directory, `${this.prefix}${this.counter}-${crypto.randomBytes(8).toString('hex')}`);
  }

  remove(file: string): void {
    try {
      fs.unlinkSync(file);
    } catch {
      /* already collected by the client */
    }
  }

  // Deletes files older than the TTL: ours, and those of this user's daemons that died.
  // Files of other live daemons are theirs to reap (their TTL may differ).
  reap(now = Date.now()): number {
    let removed = 0;
    let names: string[];
    try {
      names = fs.readdirSync(this.directory);
    } catch {
      return 0;
    }
    const ours = `${SHARED_MEMORY_PREFIX}${this.uid}-`;
    for (const name of names) {
      if (!name.startsWith(ours)) continue;
      const pid = Number(name.slice(ours.length).split('-')[0]);
      if (!Number.isInteger(pid) || (pid !== process.pid && processAlive(pid))) continue;
      const file = path.join(this.directory, name);
      try {
        const stat = fs.lstatSync(file);
        if (!stat.isFile() || stat.uid !== this.uid || now - stat.mtimeMs < this.ttlMs) continue;
        fs.unlinkSync(file);
        removed += 1;
      } catch {
        /* gone meanwhile */
      }
    }
    if (removed > 0) this.logger.info('shared-memory-reaped', { files: removed, ttl_ms: this.ttlMs, directory: this.directory });
    return removed;
  }

  // On shutdown: stops the reaper and deletes what is left of ours, after giving files
  // just handed out up to `graceMs` for their clients to collect.
  async close(graceMs: number): Promise<void> {
    clearInterval(this.timer);
    let youngest = -Infinity;
    const mine = (): string[] => {
      try {
        return fs.readdirSync(this.directory).filter((n) => n.startsWith(this.prefix)).map((n) => path.join(this.directory, n));
      } catch {
        return [];
      }
    };
    for (const file of mine()) {
      try {
        youngest = Math.max(youngest, fs.lstatSync(file).mtimeMs);
      } catch {
        /* collected */
      }
    }
    const wait = youngest + graceMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, graceMs)));
    for (const file of mine()) this.remove(file);
  }
}
