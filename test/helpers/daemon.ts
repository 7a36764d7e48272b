// Runs `hamd serve` as a child process on a private temporary socket, the way users
// run it, and collects its JSON log lines.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../server/base/paths';
import type { NativeAddon } from '../../server/native/addon';

export const cli = path.join(packageRoot, 'bin', 'hamd.js');

export function tempDir(prefix = 'hamd-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type LogLine = Record<string, unknown> & { event: string; level: string };

export interface DaemonProcess {
  child: ChildProcess;
  address: string;
  socket: string | undefined;
  logs: LogLine[];
  stderr(): string;
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Daemons still running when a test file exits (a failed test) are killed, not leaked.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

// Spawns `hamd serve --listen <listen> ...extra` and resolves once it logs "listening"
// (rejects if it exits first).
export function spawnDaemon(listen: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--listen', listen, ...extra], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const logs: LogLine[] = [];
  let text = '';
  let pending = '';
  const waiters: Array<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    text += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      let line: LogLine;
      try { line = JSON.parse(raw); } catch { continue; }
      logs.push(line);
      for (const w of [...waiters]) if (w.predicate(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const waitFor = (predicate: (line: LogLine) => boolean, timeoutMs = 30000) => {
    const found = logs.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr:\n${text}`)), timeoutMs);
      waiters.push({ predicate, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`daemon exited (${code}) first; stderr:\n${text}`)); });
    });
  };
  return waitFor((l) => l.event === 'listening').then((line) => {
    const address = String(line.address);
    return {
      child, address, socket: address.startsWith('unix:') ? address.slice(5) : undefined, logs,
      stderr: () => text, waitFor, exited,
      stop: (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
  });
}

// Runs the `hamd` CLI to completion.
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: timeoutMs });
}

export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The real native addon, loaded directly (for bitwise comparisons with the daemon).
export function realAddon(): NativeAddon {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(packageRoot, 'build', 'addon', 'Release', 'hamd.node')) as NativeAddon;
}

// Polls `predicate` every 50 ms until it holds or `timeoutMs` passes; its last answer.
export async function until(predicate: () => Promise<boolean>, timeoutMs = 10000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}
