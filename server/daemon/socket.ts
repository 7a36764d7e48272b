// Unix socket housekeeping: a private directory, a stale socket removed, a live one
// refused (one daemon per socket).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

// True when something accepts connections on the socket at `file`.
export function socketAnswers(file: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.createConnection({ path: file });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      connection.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    connection.once('connect', () => done(true));
    connection.once('error', () => done(false));
  });
}

// Creates the socket's directory 0700 if missing; a directory we own that others can
// read or enter is tightened to 0700; one owned by another user is refused.
export function preparePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${stat.uid}, not to this user (${uid}): refusing to put the socket there`);
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

// Makes `file` free for a new socket: refuses when a daemon answers there or when it
// is not a socket; removes a stale socket file left by a daemon that died.
export async function claimSocketPath(file: string): Promise<{ removedStale: boolean }> {
  preparePrivateDir(path.dirname(file));
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { removedStale: false };
  }
  if (!stat.isSocket()) throw new Error(`${file} exists and is not a socket: refusing to replace it`);
  if (await socketAnswers(file)) throw new Error(`another daemon already answers on ${file}`);
  fs.unlinkSync(file);
  return { removedStale: true };
}

export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}
