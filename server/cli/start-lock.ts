// The start lock: when several clients find no daemon at once, only the one holding the lock
// starts it; the others wait for the lock, then find the daemon the first one started.
//
// The lock is a file beside the socket (hamd.sock.lock), created with O_CREAT|O_EXCL and holding
// the holder's pid. The same protocol is implemented by the Python client
// (clients/python/hamd/startlock.py), so Node and Python clients exclude each other; flock would
// be simpler but Node has no flock. A lock is stale when its holder has died (no process with
// that pid) or is older than STALE_AFTER_MS (a holder only holds it while a daemon starts: far
// less). A stale lock is broken by renaming it away and removing it only if the renamed file is
// the one judged stale (same inode); otherwise a fresh lock was renamed by mistake and is put
// back, so that two breakers cannot both remove a lock they did not judge.
import * as fs from 'node:fs';
import { processAlive } from '../base/process';

export const STALE_AFTER_MS = 10 * 60 * 1000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startLockPath(socketPath: string): string {
  return `${socketPath}.lock`;
}

interface Holder { pid: number | undefined; stat: fs.Stats }

function readHolder(file: string): Holder | undefined {
  try {
    const stat = fs.lstatSync(file);
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, stat };
  } catch {
    return undefined; // released meanwhile
  }
}

// Stale: its holder is gone, or it is older than any start could take. A lock without a pid yet
// (created, not yet written) is stale only after a second.
function isStale(holder: Holder): boolean {
  const age = Date.now() - holder.stat.mtimeMs;
  if (age > STALE_AFTER_MS) return true;
  if (holder.pid === undefined) return age > 1000;
  return !processAlive(holder.pid);
}

function breakStale(file: string, judged: fs.Stats): void {
  const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = fs.lstatSync(aside);
  if (moved.ino !== judged.ino || moved.dev !== judged.dev) {
    try {
      fs.linkSync(aside, file); // a fresh lock: put it back (unless yet another one exists)
    } catch {
      /* EEXIST: the newer lock stays */
    }
  }
  fs.rmSync(aside, { force: true });
}

export interface StartLock {
  file: string;
  release(): void; // idempotent
}

// Waits up to timeoutMs for the lock. onWait is called once, with the holder's pid, when
// another client holds it.
export async function acquireStartLock(file: string, timeoutMs: number, onWait?: (pid: number | undefined) => void): Promise<StartLock> {
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      const mine = fs.fstatSync(fd);
      fs.closeSync(fd);
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          try {
            const now = fs.lstatSync(file);
            if (now.ino === mine.ino && now.dev === mine.dev) fs.unlinkSync(file);
          } catch {
            /* broken as stale meanwhile */
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && isStale(holder)) {
      breakStale(file, holder.stat);
      continue;
    }
    if (holder && !waited) {
      waited = true;
      onWait?.(holder.pid);
    }
    if (Date.now() > deadline) {
      throw new Error(`another client (pid ${holder?.pid ?? '?'}) has been starting the hamd daemon for over ${Math.round(timeoutMs / 1000)} s (lock ${file}); ` +
        'remove the lock file if that process is not a hamd client');
    }
    await sleep(POLL_MS);
  }
}
