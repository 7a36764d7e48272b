// `hamd status`: what a running daemon is doing: version, threads, open sessions, loaded models,
// and per method and model what it has served (GetStatistics) as a table, or JSON with --json.
import { HamdClient } from '../../clients/node';
import type { MethodStatistics__Output } from '../wire/types';
import { parseArgs, UsageError } from './args';

export const statusUsage = `hamd status [--address ADDR] [--json]
  What the daemon is doing: version, uptime, threads, open sessions, models, and per method and
  model the calls served, failures by code and mean queue / compute / total time.`;

function mean(sum: number, count: number): string {
  return count > 0 ? (sum / count / 1000).toFixed(3) : '-';
}

function row(m: MethodStatistics__Output): string[] {
  const n = Number(m.success ?? 0);
  const failures = Object.entries(m.failure_codes ?? {}).map(([code, k]) => `${code} ${k}`).join(', ');
  return [m.method ?? '', m.model || '-', String(n), String(m.failure ?? 0), mean(m.queue_us ?? 0, n), mean(m.compute_us ?? 0, n), mean(m.total_us ?? 0, n), failures];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}

export async function status(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['address'], flags: ['json'] });
  if (args.positionals.length > 0) throw new UsageError(`status: unexpected argument "${args.positionals[0]}"`);
  const client = await HamdClient.connect(args.options.get('address'));
  try {
    const [info, statistics, models] = await Promise.all([client.info(), client.statistics(), client.listModels()]);
    if (args.flags.has('json')) {
      process.stdout.write(JSON.stringify({ info, statistics, models }, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `hamd ${info.version} at ${client.address}: up ${(statistics.uptime_s ?? 0).toFixed(0)} s, ${info.threads} threads, `
        + `${statistics.open_sessions ?? 0} open session(s)${info.session_socket ? `, session socket ${info.session_socket}` : ''}`,
      `models: ${models.length ? models.map((m) => `${m.name} (${m.kind}, ${m.state})`).join(', ') : 'none'}`,
      '',
      table([['method', 'model', 'ok', 'failed', 'queue ms', 'compute ms', 'total ms', 'failures by code'], ...(statistics.methods ?? []).map(row)]),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    client.close();
  }
}
