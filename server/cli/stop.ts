// `hamd stop [--address ADDR]`: stops the daemon on a Unix socket that a client started
// (autostart writes hamd.pid beside the socket): SIGTERM, which finishes the calls in flight,
// then waits until the socket is gone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultAddress, parseAddress } from '../wire/address';
import { parseArgs, UsageError } from './args';

export const stopUsage = `hamd stop [--address ADDR] [--timeout S]
  Stops the daemon on the Unix socket ADDR (default: $HAMD_ADDRESS, else the per-user socket)
  through the pid file beside it (hamd.pid, written when a client started the daemon, or by
  \`hamd serve --pid-file\`); waits up to S seconds (default 30) for it to exit.`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stop(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['address', 'timeout'], flags: [] });
  const address = parseAddress(args.options.get('address') ?? defaultAddress());
  if (address.kind !== 'unix') throw new UsageError('stop: only a daemon on a Unix socket can be stopped this way');
  const pidFile = path.join(path.dirname(address.path), 'hamd.pid');
  if (!fs.existsSync(pidFile)) {
    process.stderr.write(`hamd: no ${pidFile}: no daemon started by a client here${fs.existsSync(address.path) ? ' (a socket exists: stop its daemon yourself)' : ''}\n`);
    return 1;
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${pidFile} does not hold a process id`);
  if (!alive(pid)) {
    fs.rmSync(pidFile, { force: true });
    process.stderr.write(`hamd: the daemon (pid ${pid}) had already exited; removed its stale ${pidFile}\n`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 1000 * Number(args.options.get('timeout') ?? 30);
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    process.stderr.write(`hamd: the daemon (pid ${pid}) is still running after SIGTERM\n`);
    return 1;
  }
  process.stderr.write(`hamd: stopped the daemon (pid ${pid}) on ${address.path}\n`);
  return 0;
}
