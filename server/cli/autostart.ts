// Finds a daemon for the CLI: one shared daemon per user. Connects to the given (or default)
// address; when no daemon answers on a Unix socket, starts one in the background on that socket
// and waits until it reports SERVING. The same protocol as the Python client's
// (clients/python/hamd/autostart.py; docs/cli.md, "One daemon per user"):
//   - concurrent first starts: only the holder of the start lock beside the socket starts a
//     daemon (./start-lock.ts); the others wait for the lock, then find that daemon;
//   - a stale socket file (nobody accepts connections) is replaced by the daemon started (the
//     daemon removes it: server/daemon/socket.ts); something that accepts connections but never
//     answers as a serving hamd daemon is reported and left alone;
//   - a daemon of another version is reported (both versions and the socket) and used when it
//     speaks the same API; a daemon started by a client exits after its idle period, and the
//     next client then starts its own version;
//   - the daemon started exits after $HAMD_IDLE_EXIT seconds idle (default 900; 0: never),
//     logs to hamd.log and writes hamd.pid beside the socket.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HamdClient } from '../../clients/node';
import { prepareSocketDir, socketAnswers } from '../daemon/socket';
import { cliEntry, packageVersion } from '../base/paths';
import { defaultAddress, defaultSocketDir, parseAddress } from '../wire/address';
import { API_VERSION } from '../wire/vocabulary';
import { acquireStartLock, startLockPath } from './start-lock';

export const DEFAULT_IDLE_EXIT_S = 900;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tryConnect(address: string, timeoutMs: number): Promise<HamdClient | undefined> {
  try {
    const client = await HamdClient.connect(address, { timeoutMs });
    if ((await client.healthStatus('', timeoutMs)) === 'SERVING') return client;
    client.close();
  } catch {
    /* nobody answers */
  }
  return undefined;
}

export interface AutostartOptions {
  autostart: boolean;
  startTimeoutMs?: number;
  // Seconds of idleness after which the daemon started exits; 0: never. Default:
  // $HAMD_IDLE_EXIT, else DEFAULT_IDLE_EXIT_S.
  idleExitS?: number;
  log?: (message: string) => void;
}

export function idleExitSeconds(options: AutostartOptions, env: NodeJS.ProcessEnv = process.env): number {
  if (options.idleExitS !== undefined) return options.idleExitS;
  const text = env.HAMD_IDLE_EXIT;
  if (text === undefined || text === '') return DEFAULT_IDLE_EXIT_S;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`HAMD_IDLE_EXIT="${text}": expected a number of seconds (0: never)`);
  return seconds;
}

// The daemon answers: check that it is of this version (report it when not) and of this API.
async function checked(client: HamdClient, target: string, log?: (message: string) => void): Promise<HamdClient> {
  const info = await client.info();
  const mine = packageVersion();
  if (info.api_version !== API_VERSION) {
    client.close();
    throw new Error(`the hamd daemon at ${target} is version ${info.version} (API ${info.api_version}), this hamd is ${mine} (API ${API_VERSION}): ` +
      `they cannot talk; stop that daemon (hamd stop --address ${target}) or use another address`);
  }
  if (info.version !== mine) {
    log?.(`the hamd daemon at ${target} is version ${info.version}, this hamd is ${mine}; using it (same API ${API_VERSION}). ` +
      `A daemon started by a client exits when idle and the next start brings ${mine}; to replace it now: hamd stop --address ${target}`);
  }
  return client;
}

// Polls until the socket's daemon serves (returns it) or nobody accepts connections any more
// (returns undefined: free to start one). A daemon that is stopping (its idle exit) answers
// NOT_SERVING for a moment; anything that keeps accepting without serving is not replaced.
async function waitForServingOrGone(target: string, socket: string, timeoutMs: number): Promise<HamdClient | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = await tryConnect(target, 1000);
    if (client) return client;
    if (!fs.existsSync(socket) || !(await socketAnswers(socket))) return undefined;
    if (Date.now() > deadline) {
      throw new Error(`something accepts connections on ${socket} but does not answer as a serving hamd daemon ` +
        `within ${Math.round(timeoutMs / 1000)} s; not replacing it (stop that process, or use another --address)`);
    }
    await sleep(100);
  }
}

export async function connectOrStart(address: string | undefined, options: AutostartOptions): Promise<HamdClient> {
  const target = address ?? defaultAddress();
  const existing = await tryConnect(target, 2000);
  if (existing) return checked(existing, target, options.log);
  const parsed = parseAddress(target);
  if (!options.autostart || parsed.kind !== 'unix') {
    throw new Error(`no hamd daemon answers at ${target}${parsed.kind === 'unix' ? '' : ' (start one with `hamd serve --listen ...`)'}`);
  }
  const idleExitS = idleExitSeconds(options);
  const startTimeoutMs = options.startTimeoutMs ?? 60000;

  const dir = path.dirname(parsed.path);
  prepareSocketDir(dir, { hamdOwned: dir === defaultSocketDir() });
  const lock = await acquireStartLock(startLockPath(parsed.path), startTimeoutMs + 10000,
    (pid) => options.log?.(`waiting for another client (pid ${pid ?? '?'}) that is starting the hamd daemon`));
  try {
    // Whoever held the lock before may have started the daemon meanwhile.
    const running = await waitForServingOrGone(target, parsed.path, 30000);
    if (running) return await checked(running, target, options.log);

    const logFile = path.join(dir, 'hamd.log');
    const log = fs.openSync(logFile, 'a', 0o600);
    const args = [cliEntry, 'serve', '--listen', parsed.grpc, '--pid-file', path.join(dir, 'hamd.pid')];
    if (idleExitS > 0) args.push('--idle-exit', String(idleExitS));
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited: number | null = null;
    child.once('exit', (code) => { exited = code ?? 1; });
    child.unref();
    options.log?.(`started hamd daemon (pid ${child.pid}) on ${parsed.grpc}${idleExitS > 0 ? `, exits after ${idleExitS} s idle` : ''}; log: ${logFile}`);

    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      const client = await tryConnect(target, 1000);
      if (client) return await checked(client, target, options.log);
      if (exited !== null) throw new Error(`the hamd daemon exited with code ${exited} before serving; see ${logFile}`);
      await sleep(100);
    }
    throw new Error(`the hamd daemon did not become ready within ${startTimeoutMs} ms; see ${logFile}`);
  } finally {
    lock.release();
  }
}
