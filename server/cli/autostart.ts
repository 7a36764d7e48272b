// Finds a daemon for the CLI: connects to the given (or default) address and, when no
// daemon answers on a Unix socket, starts one in the background on that socket and
// waits until it reports SERVING. The background daemon logs to hamd.log and writes
// hamd.pid next to the socket.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HamdClient } from '../../clients/node';
import { prepareSocketDir } from '../daemon/socket';
import { cliEntry } from '../base/paths';
import { defaultAddress, defaultSocketDir, parseAddress } from '../wire/address';

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
  log?: (message: string) => void;
}

export async function connectOrStart(address: string | undefined, options: AutostartOptions): Promise<HamdClient> {
  const target = address ?? defaultAddress();
  const existing = await tryConnect(target, 2000);
  if (existing) return existing;
  const parsed = parseAddress(target);
  if (!options.autostart || parsed.kind !== 'unix') {
    throw new Error(`no hamd daemon answers at ${target}${parsed.kind === 'unix' ? '' : ' (start one with `hamd serve --listen ...`)'}`);
  }

  const dir = path.dirname(parsed.path);
  prepareSocketDir(dir, { hamdOwned: dir === defaultSocketDir() });
  const logFile = path.join(dir, 'hamd.log');
  const log = fs.openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, [cliEntry, 'serve', '--listen', parsed.grpc, '--pid-file', path.join(dir, 'hamd.pid')], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => { exited = code ?? 1; });
  child.unref();
  options.log?.(`started hamd daemon (pid ${child.pid}) on ${parsed.grpc}; log: ${logFile}`);

  const deadline = Date.now() + (options.startTimeoutMs ?? 60000);
  while (Date.now() < deadline) {
    const client = await tryConnect(target, 1000);
    if (client) return client;
    // A daemon started by someone else at the same moment wins the socket: keep polling it.
    if (exited !== null && !fs.existsSync(parsed.path)) {
      throw new Error(`the hamd daemon exited with code ${exited} before serving; see ${logFile}`);
    }
    await sleep(100);
  }
  throw new Error(`the hamd daemon did not become ready within ${options.startTimeoutMs ?? 60000} ms; see ${logFile}`);
}
