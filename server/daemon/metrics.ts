// A Prometheus text endpoint (hamd serve --metrics-listen HOST:PORT; docs/cli.md): what
// GetStatistics reports, as counters per method, model and code, plus the process's own metrics
// (CPU, memory, event-loop lag, GC) from prom-client, whose collectors and text format are the
// reference ones. Loopback only unless the daemon was started with --allow-remote.
import * as http from 'node:http';
import * as client from 'prom-client';
import type { Logger } from '../base/logger';
import { parseAddress } from '../wire/address';
import type { DaemonStatistics } from './statistics';

export interface MetricsOptions {
  listen: string;           // HOST:PORT (port 0: any free port, logged)
  allowRemote: boolean;
  statistics: DaemonStatistics;
  openSessions: () => number;
  logger: Logger;
}

export interface MetricsServer {
  address: string;          // HOST:PORT it listens on
  close(): Promise<void>;
}

function registry(options: MetricsOptions): client.Registry {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register });
  const snapshot = () => options.statistics.snapshot(options.openSessions());
  const labels = ['method', 'model'] as const;
  new client.Counter({
    name: 'hamd_calls_total', help: 'Calls (and session opens and steps) answered, by method, model and gRPC code',
    labelNames: [...labels, 'code'], registers: [register],
    collect() {
      this.reset();
      for (const m of snapshot().methods ?? []) {
        if (m.success) this.inc({ method: m.method, model: m.model, code: 'OK' }, Number(m.success));
        for (const [code, count] of Object.entries(m.failure_codes ?? {})) this.inc({ method: m.method, model: m.model, code }, Number(count));
      }
    },
  });
  const seconds = (name: string, help: string, field: 'queue_us' | 'compute_us' | 'total_us') => new client.Counter({
    name, help, labelNames: [...labels], registers: [register],
    collect() {
      this.reset();
      for (const m of snapshot().methods ?? []) if (m.success) this.inc({ method: m.method, model: m.model }, Number(m[field] ?? 0) / 1e6);
    },
  });
  seconds('hamd_queue_seconds_total', 'Time successful calls waited for the compute pool', 'queue_us');
  seconds('hamd_compute_seconds_total', 'Time successful calls computed', 'compute_us');
  seconds('hamd_call_seconds_total', 'Time from arrival to answer of successful calls', 'total_us');
  new client.Gauge({
    name: 'hamd_open_sessions', help: 'Simulation sessions open now', registers: [register],
    collect() { this.set(options.openSessions()); },
  });
  return register;
}

export async function startMetricsServer(options: MetricsOptions): Promise<MetricsServer> {
  const listen = parseAddress(options.listen);
  if (listen.kind !== 'tcp') throw new Error(`--metrics-listen ${options.listen}: give HOST:PORT`);
  if (!listen.loopback && !options.allowRemote) {
    throw new Error(`--metrics-listen ${options.listen}: not a loopback address (pass --allow-remote to serve metrics to other machines)`);
  }
  const register = registry(options);
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('hamd: GET /metrics\n');
      return;
    }
    register.metrics().then(
      (text) => response.writeHead(200, { 'content-type': register.contentType }).end(text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as { port: number }).port;
  const address = listen.host.includes(':') ? `[${listen.host}]:${port}` : `${listen.host}:${port}`;
  options.logger.info('metrics-listening', { address, path: '/metrics' });
  return { address, close: () => new Promise<void>((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }) };
}
