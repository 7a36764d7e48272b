// Structured logs: one JSON object per line on stderr (or a given stream).
// In server/base/, the lowest layer, because the layers that log (the model registry, the
// daemon, the CLI) sit on different levels and the logger needs nothing of any of them; it
// used to live in server/daemon/, which made server/models/ import upwards.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: string): value is LogLevel {
  return value in rank;
}

export class Logger {
  constructor(private readonly level: LogLevel = 'info', private readonly stream: NodeJS.WritableStream = process.stderr) {}

  log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
    if (rank[level] < rank[this.level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, event, pid: process.pid, ...fields });
    this.stream.write(line + '\n');
  }

  debug(event: string, fields?: Record<string, unknown>): void { this.log('debug', event, fields); }
  info(event: string, fields?: Record<string, unknown>): void { this.log('info', event, fields); }
  warn(event: string, fields?: Record<string, unknown>): void { this.log('warn', event, fields); }
  error(event: string, fields?: Record<string, unknown>): void { this.log('error', event, fields); }
}
