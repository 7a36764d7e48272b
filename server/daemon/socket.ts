// Unix socket housekeeping: a safe directory, a stale socket removed, a live one
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

// Makes sure a socket may live in `dir` without anyone else replacing or reaching it.
// - A directory that does not exist is created 0700: it is hamd's own.
// - hamd's own default directory ($XDG_RUNTIME_DIR/hamd, /tmp/hamd-$UID), when it exists
//   with wider permissions, is tightened to 0700.
// - Any other existing directory is never modified (it may be shared: `--listen
//   unix:/tmp/x.sock` must not turn /tmp into drwx------). It is accepted when other users
//   cannot replace files in it: not writable by group or others, or sticky (like /tmp),
//   and owned by this user or by root. The socket file itself is created 0600.
export function prepareSocketDir(dir: string, options: { hamdOwned?: boolean } = {}): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid === undefined) return; // no POSIX ownership (Windows): nothing to check
  const ownedByUs = stat.uid === uid;
  if (created || (options.hamdOwned && ownedByUs)) {
    if ((stat.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
    return;
  }
  const sticky = (stat.mode & 0o1000) !== 0;
  const sharedWritable = (stat.mode & 0o022) !== 0;
  if (!ownedByUs && !(stat.uid === 0 && sticky)) {
    throw new Error(
      `${dir} belongs to uid ${stat.uid}, not to this user (${uid}): refusing to put the socket there; ` +
        'choose a directory of your own (or omit --listen for the private default)',
    );
  }
  if (sharedWritable && !sticky) {
    throw new Error(
      `${dir} is writable by other users and not sticky: another user could replace the socket; ` +
        'choose a private directory (or omit --listen for the private default)',
    );
  }
}

// Makes `file` free for a new socket: refuses when a daemon answers there or when it
// is not a socket; removes a stale socket file left by a daemon that died.
export async function claimSocketPath(file: string, options: { hamdOwnedDir?: boolean } = {}): Promise<{ removedStale: boolean }> {
  prepareSocketDir(path.dirname(file), { hamdOwned: options.hamdOwnedDir });
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

// Removes `file` if it is still the file described by `original` (same device and inode): a
// daemon that stops must not remove the socket of a successor that replaced its own meanwhile.
export function removeIfSame(file: string, original: fs.Stats): void {
  try {
    const now = fs.lstatSync(file);
    if (now.ino === original.ino && now.dev === original.dev) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}
