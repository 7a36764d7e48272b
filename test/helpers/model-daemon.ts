// A daemon with a model repository of its own, for the Predict tests: the files are copied in
// under their registry names, the daemon is started on a private socket and a Node client
// connected; the test's teardown closes both and removes the directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Test } from 'tap';
import { HamdClient } from '../../clients/node';
import { spawnDaemon, tempDir, type DaemonProcess } from './daemon';

// models: registry name -> model file. `dir` is the test's temporary directory (free for other
// files), `address` the daemon's.
export async function serveModels(t: Test, models: Record<string, string>): Promise<{ client: HamdClient; address: string; dir: string }> {
  const dir = tempDir();
  const repository = path.join(dir, 'models');
  fs.mkdirSync(repository);
  for (const [name, file] of Object.entries(models)) fs.copyFileSync(file, path.join(repository, `${name}.npz`));
  let daemon: DaemonProcess | undefined;
  let client: HamdClient | undefined;
  t.teardown(async () => {
    client?.close();
    await daemon?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--models', repository]);
  client = await HamdClient.connect(daemon.address);
  return { client, address: daemon.address, dir };
}

// The call fails with `code` and a message matching `pattern`.
export async function expectCode(t: Test, promise: Promise<unknown>, code: status, pattern: RegExp, label: string): Promise<void> {
  try {
    await promise;
    t.fail(`${label}: expected ${status[code]}, but the call succeeded`);
  } catch (error) {
    const e = error as { code?: number; details?: string };
    t.equal(e.code, code, `${label}: ${status[code]}`);
    t.match(e.details ?? '', pattern, `${label}: message says why ("${e.details}")`);
  }
}
