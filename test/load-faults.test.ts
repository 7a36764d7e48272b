// Load and faults against one daemon with the shipped default models (issue 9; bounded for CI,
// longer with HAMD_LOAD_SECONDS or bench/soak.sh):
//  - load: 32 MD sessions plus descriptor and Predict clients for a fixed time: no error, step
//    latency p50/p99 reported, the daemon's memory flat between the first and the last third;
//  - faults: client processes killed (SIGKILL) mid-session and mid-request leave no session and
//    the daemon serving; SIGTERM lets the call in flight finish and removes the sockets
//    (sessions ending UNAVAILABLE at shutdown: test/session.test.ts, session-socket.test.ts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { HamdClient, type HamdSession } from '../clients/node';
import { packageRoot } from '../server/base/paths';
import { spawnDaemon, tempDir } from './helpers/daemon';

const LOAD_SECONDS = Number(process.env.HAMD_LOAD_SECONDS ?? 12);
const SESSIONS = 32;
const ETHANOL = [6, 6, 8, 1, 1, 1, 1, 1, 1];
const ETHANOL_X = [0.48, 1.01, 0.23, -0.05, -0.34, -0.27, -1.43, -0.30, -0.32, 1.57, 0.98, 0.21, 0.14, 1.82, -0.36, 0.15, 1.24, 1.27,
  0.27, -1.13, 0.35, 0.35, -0.56, -1.27, -1.75, -1.18, -0.56];

function rssKiB(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0);
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

const wiggle = (k: number, s: number) => Float64Array.from(ETHANOL_X, (v, i) => v + 0.01 * Math.sin(0.37 * k + 1.3 * s + i));

t.test('load: 32 sessions, descriptor and Predict clients, no error, memory flat', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--max-sessions', '64']);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const errors: string[] = [];
  const latencies: number[] = [];
  const rss: Array<{ at: number; kib: number }> = [];
  const start = Date.now();
  const until = start + 1000 * LOAD_SECONDS;
  const sampler = setInterval(() => rss.push({ at: Date.now() - start, kib: rssKiB(daemon.child.pid!) }), 250);
  let descriptorCalls = 0, predictCalls = 0;

  const sessionLoop = async (s: number) => {
    let session: HamdSession | undefined;
    try {
      session = await client.session({ atomicNumbers: ETHANOL, outputs: ['energy', 'forces', 'energy_uncertainty'] });
      for (let k = 0; Date.now() < until; k++) {
        const t0 = process.hrtime.bigint();
        await session.step(wiggle(k, s));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
      await session.close();
    } catch (error) {
      errors.push(`session ${s}: ${(error as Error).message}`);
    }
  };
  const descriptorLoop = async () => {
    while (Date.now() < until) {
      try {
        await client.computeDescriptors([{ atomicNumbers: ETHANOL, positions: ETHANOL_X }], { kind: 'power-spectrum', hypers: { cutoff: 4, max_radial: 4, max_angular: 3 }, gradients: ['positions'] });
        descriptorCalls++;
      } catch (error) { errors.push(`descriptors: ${(error as Error).message}`); }
    }
  };
  const predictLoop = async () => {
    while (Date.now() < until) {
      try {
        await client.predict([{ atomicNumbers: ETHANOL, positions: ETHANOL_X }], { outputs: ['orbital_energies', 'gap'] });
        predictCalls++;
      } catch (error) { errors.push(`predict: ${(error as Error).message}`); }
    }
  };
  await Promise.all([...Array.from({ length: SESSIONS }, (_, s) => sessionLoop(s)), descriptorLoop(), descriptorLoop(), predictLoop(), predictLoop()]);
  clearInterval(sampler);
  const sorted = [...latencies].sort((a, b) => a - b);
  t.same(errors.slice(0, 5), [], `no error in ${LOAD_SECONDS} s (${latencies.length} steps, ${descriptorCalls} descriptor and ${predictCalls} Predict calls)`);
  t.ok(latencies.length > SESSIONS, 'every session stepped');
  t.comment(`steps/s ${(latencies.length / LOAD_SECONDS).toFixed(0)}; step latency p50 ${(quantile(sorted, 0.5) / 1000).toFixed(2)} ms, p99 ${(quantile(sorted, 0.99) / 1000).toFixed(2)} ms (32 sessions on 2 threads with descriptor and Predict traffic)`);
  // Memory flat: the mean RSS of the last third against the first third (after warm-up). The
  // allowance covers the allocator's arenas settling (a few MB per thread), not a per-step leak:
  // at ~1 kB per step a leak would show as > 10 MB over a run of 10^4 steps.
  const third = rss.length / 3;
  const mean = (xs: Array<{ kib: number }>) => xs.reduce((a, x) => a + x.kib, 0) / Math.max(1, xs.length);
  const early = mean(rss.slice(Math.floor(third), Math.floor(2 * third))), late = mean(rss.slice(Math.floor(2 * third)));
  t.comment(`daemon RSS: middle third ${(early / 1024).toFixed(1)} MB, last third ${(late / 1024).toFixed(1)} MB`);
  t.ok(late - early < 24 * 1024, `daemon memory flat under load (+${((late - early) / 1024).toFixed(1)} MB)`);
  t.equal((await client.info()).open_sessions, 0, 'every session closed');
});

// A child process that opens a session (or a long request) and is then killed with SIGKILL.
function victim(address: string, mode: 'session' | 'request'): Promise<ReturnType<typeof spawn>> {
  const script = mode === 'session'
    ? `const { HamdClient } = require('./clients/node');
       (async () => { const c = await HamdClient.connect(${JSON.stringify(address)});
         const s = await c.session({ atomicNumbers: ${JSON.stringify(ETHANOL)} });
         const x = Float64Array.from(${JSON.stringify(ETHANOL_X)});
         for (let k = 0; ; k++) { await s.step(x); if (k === 3) console.log('stepping'); } })();`
    : `const { HamdClient } = require('./clients/node');
       (async () => { const c = await HamdClient.connect(${JSON.stringify(address)});
         const atoms = []; const x = [];
         for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) for (let k = 0; k < 6; k++) { atoms.push(8, 1, 1); x.push(3*i, 3*j, 3*k, 3*i, 3*j + 0.76, 3*k + 0.59, 3*i, 3*j - 0.76, 3*k + 0.59); }
         // 'requesting' once the call has had time to leave (grpc-js sends it asynchronously; a
         // kill before that would leave the daemon nothing to cancel). The work takes seconds.
         setTimeout(() => console.log('requesting'), 500);
         await c.predict([{ atomicNumbers: atoms, positions: x }], { outputs: ['gap'] }); })();`;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.join(packageRoot, 'dist'), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

t.test('faults: clients killed mid-session and mid-request; SIGTERM under load', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2']);
  const client = await HamdClient.connect(daemon.address);
  const sessionsOpen = async () => (await client.info()).open_sessions ?? -1;

  const killed = await Promise.all([victim(daemon.address, 'session'), victim(daemon.address, 'session'), victim(daemon.address, 'request')]);
  t.ok(await sessionsOpen() >= 2, 'the victims\' sessions are open');
  for (const child of killed) child.kill('SIGKILL');
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && (await sessionsOpen()) !== 0) await new Promise((r) => setTimeout(r, 100));
  t.equal(await sessionsOpen(), 0, 'sessions of killed clients are freed');
  // 294 waters (2058 orbitals) through the Hamiltonian model: seconds of work, stopped at its next
  // stage once the client is gone.
  const cancelled = await daemon.waitFor((l) => l.event === 'request' && l.method === 'Predict', 60000);
  t.equal(cancelled.code, 'CANCELLED', 'the killed client\'s Predict ended CANCELLED');
  const survivor = await client.session({ atomicNumbers: ETHANOL });
  t.ok(Number.isFinite((await survivor.step(Float64Array.from(ETHANOL_X))).energy), 'the daemon serves a new session');

  await survivor.close();

  // SIGTERM with a request in flight.
  const inflight = client.computeDescriptors([{ atomicNumbers: ETHANOL, positions: ETHANOL_X }], { kind: 'bispectrum', hypers: { cutoff: 5, max_radial: 6, max_angular: 5 }, gradients: ['positions'] });
  await new Promise((r) => setTimeout(r, 200));  // the request reaches the daemon
  daemon.child.kill('SIGTERM');
  const [request] = await Promise.allSettled([inflight]);
  t.equal(request.status, 'fulfilled', 'the request in flight is answered in full');
  t.equal((await daemon.exited).code, 0, 'exit 0');
  t.notOk(fs.existsSync(path.join(dir, 'hamd.sock')) || fs.existsSync(path.join(dir, 'hamd.sock.sessions')), 'both sockets removed');
  client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
