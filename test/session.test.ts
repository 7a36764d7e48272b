// Simulation sessions (the Session RPC, docs/sessions.md) against a real daemon with a tiny energy
// model: results equal to Predict's for the same structures, Verlet-list reuse, per-step errors
// that keep the session, protocol errors, clients that vanish, idle timeout, the session limit,
// parallel sessions equal to serial ones, and shutdown with sessions open.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient, SessionStepError, type HamdSession, type StructureInput } from '../clients/node';
import { spawnDaemon, tempDir, until, type DaemonProcess } from './helpers/daemon';
import { numpy, trainTinyModel } from './helpers/energy-model';

const WATER = [0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47];

// A deterministic random walk of the water molecule (positions in Angstrom).
function walk(steps: number, seed: number, amplitude = 0.02): Float64Array[] {
  let state = seed;
  const random = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648 - 0.5; };
  const frames: Float64Array[] = [];
  let x = Float64Array.from(WATER);
  for (let s = 0; s < steps; s++) {
    x = x.map((v, k) => WATER[k] + 0.8 * (v - WATER[k]) + amplitude * random());
    frames.push(Float64Array.from(x));
  }
  return frames;
}

// The session's neighbour list holds the same pairs within the cutoff but their vectors are
// refreshed as r_j - r_i + S.h, so contributions can differ in the last bit; sums of at most a
// few hundred such terms of size <= ~10 eV (or eV/A) then differ by < 1e3 * 2.2e-16 * 10 ~ 2e-12.
const ROUNDING = 1e-10;
const close = (a: number, b: number) => Math.abs(a - b) <= ROUNDING * (1 + Math.abs(b));

async function rpcError(promise: Promise<unknown>): Promise<{ code?: number; details?: string; message?: string }> {
  return promise.then(() => ({}), (e: { code?: number; details?: string; message?: string }) => e);
}

async function openSessions(client: HamdClient): Promise<number> {
  return (await client.info()).open_sessions ?? -1;
}

function rssKiB(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0);
}

t.test('sessions on an energy model', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  let daemon: DaemonProcess | undefined = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`,
    ['--threads', '2', '--no-models', '--model', `water=${modelFile}`, '--max-sessions', '40']);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const all = ['energy', 'forces', 'energies', 'energy_uncertainty'] as const;

  await t.test('steps equal Predict, lists reused within the skin', async (t) => {
    const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: [...all], skin: 0.5 });
    t.match(session.info, { model: 'water', species: [1, 8], energyUnits: 'ev', skin: 0.5, outputs: [...all] }, 'opened: the default energy model and its capabilities');
    t.ok(session.info.cutoff > 0 && session.info.idleTimeoutS > 0, 'cutoff and idle timeout reported');
    t.equal(await openSessions(client), 1, 'ServerInfo counts the open session');
    const frames = walk(40, 1);
    let worst = 0, rebuilds = 0;
    const rebuiltSteps: boolean[] = [];
    for (const [k, x] of frames.entries()) {
      const got = await session.step(x);
      const want = (await client.predict([{ atomicNumbers: [8, 1, 1], positions: Array.from(x) }], { outputs: [...all] })).structures[0];
      t.equal(got.step, k, `step ${k} numbered`);
      if (!close(got.energy!, want.energy!) || !Array.from(got.forces!).every((f, i) => close(f, want.forces![i]))
        || !close(got.energyUncertainty!, want.energyUncertainty!) || !Array.from(got.energies!).every((e, i) => close(e, want.energies![i]))) {
        t.fail(`step ${k}: session ${got.energy} vs Predict ${want.energy}`);
      }
      worst = Math.max(worst, Math.abs(got.energy! - want.energy!), ...Array.from(got.forces!).map((f, i) => Math.abs(f - want.forces![i])));
      rebuiltSteps.push(got.neighborsRebuilt);
      if (got.neighborsRebuilt) rebuilds++;
    }
    t.pass(`40 steps equal Predict to ${ROUNDING} (worst difference ${worst.toExponential(2)})`);
    t.equal(rebuiltSteps[0], true, 'the first step builds the list');
    t.ok(rebuilds < frames.length / 2, `small moves reuse the list (${rebuilds} rebuilds in ${frames.length} steps)`);
    const far = Float64Array.from(frames[frames.length - 1]);
    far[0] += 0.4;  // one atom 0.4 A away: more than skin / 2
    t.equal((await session.step(far)).neighborsRebuilt, true, 'a move beyond skin / 2 rebuilds the list');
    t.same(await session.close(), { steps: 41, neighborRebuilds: rebuilds + 1 }, 'close reports the steps and rebuilds');
    t.ok(await until(async () => (await openSessions(client)) === 0), 'closed: no session left');
  });

  await t.test('a bad step is answered with an error and the session goes on', async (t) => {
    const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy'] });
    const good = await session.step(Float64Array.from(WATER));
    const nan = Float64Array.from(WATER);
    nan[4] = Number.NaN;
    let error = await rpcError(session.step(nan));
    t.ok(error instanceof SessionStepError, 'a SessionStepError');
    t.equal(error.code, status.INVALID_ARGUMENT, 'NaN: INVALID_ARGUMENT');
    t.match(error.message, /step\.positions\[1\]\[1\] is NaN/, 'names the atom and coordinate');
    error = await rpcError(session.step(Float64Array.from(WATER.slice(0, 6))));
    t.match(error, { code: status.INVALID_ARGUMENT, message: /shape \[2, 3\] but 3 atomic numbers/ }, 'wrong atom count');
    const overlapping = Float64Array.from(WATER);
    overlapping.set([0, 0.05, 0.12], 3);
    error = await rpcError(session.step(overlapping));
    t.match(error, { code: status.INVALID_ARGUMENT, message: /closer than 0\.3 Angstrom/ }, 'overlapping atoms');
    const again = await session.step(Float64Array.from(WATER));
    t.equal(again.energy, good.energy, 'the next good step gives the same energy as before');
    await session.close();
  });

  await t.test('bad opens and protocol errors end the stream with a status', async (t) => {
    const cases: Array<[string, Parameters<HamdClient['session']>[0], status, RegExp]> = [
      ['unknown element', { atomicNumbers: [6, 1, 1] }, status.INVALID_ARGUMENT, /C is an element model "water" does not know/],
      ['unknown output', { atomicNumbers: [8, 1, 1], outputs: ['dipole' as 'energy'] }, status.INVALID_ARGUMENT, /"dipole" is not one of/],
      ['stress of a molecule', { atomicNumbers: [8, 1, 1], outputs: ['stress'] }, status.INVALID_ARGUMENT, /"stress" needs a structure periodic/],
      ['no atoms', { atomicNumbers: [] }, status.INVALID_ARGUMENT, /no atoms/],
      ['unknown model', { atomicNumbers: [8, 1, 1], model: 'nope' }, status.NOT_FOUND, /"nope" is not loaded/],
      ['Hamiltonian outputs without a Hamiltonian model', { atomicNumbers: [8, 1, 1], outputs: ['gap'] }, status.FAILED_PRECONDITION, /no default hamiltonian model/],
      ['negative skin', { atomicNumbers: [8, 1, 1], skin: -1 }, status.INVALID_ARGUMENT, /skin = -1 is outside/],
      ['a cell without pbc is fine, pbc without a cell is not', { atomicNumbers: [8, 1, 1], pbc: true }, status.INVALID_ARGUMENT, /open\.cell: missing/],
    ];
    for (const [label, options, code, pattern] of cases) {
      const error = await rpcError(client.session(options));
      t.equal(error.code, code, `${label}: ${status[code]}`);
      t.match(error.details ?? '', pattern, `${label}: says why`);
    }
    t.equal(await openSessions(client), 0, 'refused opens leave no session');
  });

  await t.test('contributing atoms: only their energies count, forces on every atom', async (t) => {
    // Two waters 2.6 A apart (within the 3.5 A cutoff), the second as a host code's ghosts: the
    // energy is the sum of the first water's per-atom energies, which depend only on each atom's
    // neighbourhood, so Predict's per-atom energies of the whole cluster give it.
    const pair = [...WATER, ...WATER.map((v, k) => v + (k % 3 === 0 ? 2.6 : 0.1))];
    const numbers = [8, 1, 1, 8, 1, 1];
    const contributing = [true, true, true, false, false, false];
    const session = await client.session({ atomicNumbers: numbers, outputs: [...all], contributing });
    const got = await session.step(Float64Array.from(pair));
    const want = (await client.predict([{ atomicNumbers: numbers, positions: pair }], { outputs: [...all] })).structures[0];
    const sum = Array.from(want.energies!).slice(0, 3).reduce((a, b) => a + b, 0);
    t.ok(close(got.energy!, sum), `energy = sum of the contributing atoms' Predict energies (${got.energy} vs ${sum})`);
    t.ok(Math.abs(got.energy! - want.energy!) > 1e-6, 'and not the whole cluster\'s energy');
    t.ok(Array.from(got.energies!).every((e, i) => (i < 3 ? close(e, want.energies![i]) : e === 0)), 'per-atom energies: Predict\'s, 0 for ghosts');
    const ghostForce = Math.max(...Array.from(got.forces!).slice(9).map(Math.abs));
    t.ok(ghostForce > 1e-6, `ghosts get forces (largest ${ghostForce.toExponential(2)} eV/A)`);
    const net = [0, 1, 2].map((d) => Array.from(got.forces!).filter((_, k) => k % 3 === d).reduce((a, b) => a + b, 0));
    t.ok(net.every((f) => Math.abs(f) < ROUNDING), `forces on all atoms sum to zero (translation invariance of the masked energy: ${net.map((f) => f.toExponential(1))})`);
    await session.close();

    const short = await rpcError(client.session({ atomicNumbers: numbers, contributing: contributing.slice(1) }));
    t.equal(short.code, status.INVALID_ARGUMENT, 'a mask of 5 flags for 6 atoms: INVALID_ARGUMENT');
    t.match(short.details ?? '', /open\.contributing: 5 flags for 6 atoms/, 'says why');
    const hamiltonian = await rpcError(client.session({ atomicNumbers: numbers, outputs: ['energy', 'gap'], contributing }));
    t.equal(hamiltonian.code, status.INVALID_ARGUMENT, 'a mask with Hamiltonian outputs: INVALID_ARGUMENT');
    t.match(hamiltonian.details ?? '', /energy outputs only/, 'says why');
  });

  await t.test('clients that vanish leave nothing behind', async (t) => {
    const pid = daemon!.child.pid!;
    const abandon = async (count: number) => {
      const sessions: HamdSession[] = [];
      for (let k = 0; k < count; k++) {
        const s = await client.session({ atomicNumbers: [8, 1, 1], outputs: [...all] });
        await s.step(walk(1, k + 2)[0]);
        sessions.push(s);
      }
      for (const s of sessions) s.abort();
      return until(async () => (await openSessions(client)) === 0);
    };
    t.ok(await abandon(30), '30 aborted sessions: none left open');
    const ended = () => daemon!.logs.filter((l) => l.event === 'session-end' && l.reason === 'client-gone').length;
    // The daemon's log lines reach this process a little after the sessions are gone.
    t.ok(await until(async () => ended() === 30), 'each vanished client\'s session ended (and freed) as "client-gone"');
    for (let round = 0; round < 5; round++) await abandon(30);  // warm up allocator and V8 heap
    const before = rssKiB(pid);
    for (let round = 0; round < 10; round++) await abandon(30);
    const after = rssKiB(pid);
    t.equal(await openSessions(client), 0, '450 more aborted sessions: none left open');
    t.ok(await until(async () => ended() === 480), `all 480 ended as "client-gone" (${ended()})`);
    // Steady state: 300 leaked sessions (HTTP/2 stream, JS session, native lists and storage:
    // tens of KiB each) would add well over 8 MiB.
    t.ok(after - before < 8 * 1024, `resident memory over the last 300 vanished clients: ${before} KiB -> ${after} KiB`);
  });

  await t.test('parallel sessions give the results of serial ones; 32 at once', async (t) => {
    const runs = 32;
    const frames = Array.from({ length: runs }, (_, k) => walk(10, 100 + k, 0.03));
    const serial: number[][] = [];
    for (let k = 0; k < 2; k++) {
      const s = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy', 'forces'] });
      const energies: number[] = [];
      for (const x of frames[k]) energies.push((await s.step(x)).energy!);
      await s.close();
      serial.push(energies);
    }
    const parallel = await Promise.all(frames.map(async (run) => {
      const s = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy', 'forces'] });
      const energies: number[] = [];
      for (const x of run) energies.push((await s.step(x)).energy!);
      await s.close();
      return energies;
    }));
    t.equal(parallel.length, runs, `${runs} concurrent sessions completed without error`);
    t.same(parallel.slice(0, 2), serial, 'the first two equal their serial runs bitwise');
    t.ok(await until(async () => (await openSessions(client)) === 0), 'all closed');
  });

  await t.test('the session limit', async (t) => {
    const open = await Promise.all(Array.from({ length: 40 }, () => client.session({ atomicNumbers: [8, 1, 1] })));
    const error = await rpcError(client.session({ atomicNumbers: [8, 1, 1] }));
    t.equal(error.code, status.RESOURCE_EXHAUSTED, 'the 41st session: RESOURCE_EXHAUSTED');
    t.match(error.details ?? '', /at most 40/, 'names the limit');
    await Promise.all(open.map((s) => s.close()));
    t.ok(await client.session({ atomicNumbers: [8, 1, 1] }).then((s) => s.close()), 'after closing, sessions open again');
  });

  await t.test('shutdown ends open sessions with UNAVAILABLE', async (t) => {
    const session = await client.session({ atomicNumbers: [8, 1, 1] });
    await session.step(Float64Array.from(WATER));
    const stopped = daemon!.stop();
    const error = await rpcError((async () => { for (;;) await session.step(Float64Array.from(WATER)); })());
    t.ok(error.code === status.UNAVAILABLE || /ended the session/.test(error.message ?? ''), `the session ends: ${error.details ?? error.message}`);
    const exit = await stopped;
    t.equal(exit.code, 0, 'the daemon stops promptly and cleanly');
    daemon = undefined;
  });
});

t.test('idle sessions end after the idle timeout', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1', '--no-models', '--model', `water=${modelFile}`, '--session-idle-timeout', '2']);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const session = await client.session({ atomicNumbers: [8, 1, 1] });
  t.equal(session.info.idleTimeoutS, 2, 'opened reports the idle timeout');
  for (let k = 0; k < 5; k++) {
    await session.step(Float64Array.from(WATER));
    await new Promise((r) => setTimeout(r, 200));
  }
  t.pass('steps 0.2 s apart keep the session open');
  await new Promise((r) => setTimeout(r, 4500));
  const error = await rpcError(session.step(Float64Array.from(WATER)));
  t.equal(error.code, status.DEADLINE_EXCEEDED, 'after 4.5 s without a message: DEADLINE_EXCEEDED');
  t.match(error.details ?? '', /idle/, 'says the session was idle');
  t.equal((await client.info()).open_sessions, 0, 'no session left');
  const line = await daemon.waitFor((l) => l.event === 'session-end' && l.reason === 'idle');
  t.equal(line.steps, 5, 'the log line counts its steps');
});

t.test('a periodic session: stress, and a new cell per step', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--no-models', '--model', `water=${modelFile}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const cell = [3.4, 0, 0, 0.4, 3.3, 0, -0.3, 0.2, 3.5];
  const session = await client.session({ atomicNumbers: [8, 1, 1], cell, pbc: true, outputs: ['energy', 'forces', 'stress'] });
  const box = (c: number[], x: Float64Array): StructureInput => ({ atomicNumbers: [8, 1, 1], positions: Array.from(x), cell: c, pbc: true });
  for (const [k, x] of walk(6, 9).entries()) {
    const c = cell.map((v) => v * (1 + 0.01 * k));
    const got = await session.step(x, k > 0 ? c : undefined);
    const want = (await client.predict([box(k > 0 ? c : cell, x)], { outputs: ['energy', 'forces', 'stress'] })).structures[0];
    t.ok(close(got.energy!, want.energy!) && Array.from(got.stress!).every((s, i) => close(s, want.stress![i])), `step ${k}: energy and stress equal Predict's`);
    if (k > 0) t.equal(got.neighborsRebuilt, true, `step ${k}: a new cell rebuilds the list`);
  }
  const error = await rpcError((await client.session({ atomicNumbers: [8, 1, 1] })).step(Float64Array.from(WATER), cell));
  t.match(error, { code: status.INVALID_ARGUMENT, message: /not periodic/ }, 'a cell in a step of a molecule session');
  await session.close();
});

const hamiltonian = path.join(path.dirname(__dirname), 'models', 'default-hamiltonian.npz');
const hamiltonianSkip = !numpy ? 'python3 with numpy is needed to write the dataset'
  : !fs.existsSync(hamiltonian) ? 'models/default-hamiltonian.npz is not in this checkout' : false;
t.test('a session with energy and Hamiltonian outputs at every step', { skip: hamiltonianSkip }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`,
    ['--threads', '2', '--no-models', '--model', `water=${modelFile}`, '--model', `default-hamiltonian=${hamiltonian}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  // Water's LUMO is a sigma* the model does not vouch for: the gap is withheld at every step, with
  // Predict's warning, while the HOMO is served (docs/serving-models.md).
  const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy', 'forces', 'orbital_energies', 'homo', 'gap'] });
  t.match(session.info, { model: 'water', hamiltonianModel: 'default-hamiltonian', energyUnits: 'ev', hamiltonianUnits: 'hartree' },
    'both models answer; units as Predict\'s defaults');
  for (const [k, x] of walk(4, 17).entries()) {
    const got = await session.step(x);
    const structure = [{ atomicNumbers: [8, 1, 1], positions: Array.from(x) }];
    const electronic = (await client.predict(structure, { outputs: ['orbital_energies', 'homo', 'gap'] })).structures[0];
    const energy = (await client.predict(structure, { outputs: ['energy'] })).structures[0];
    t.same(Array.from(got.orbitalEnergies!), Array.from(electronic.orbitalEnergies!), `step ${k}: orbital energies equal Predict's`);
    t.ok(got.homo !== undefined && got.homo === electronic.homo, `step ${k}: HOMO served, equal to Predict's`);
    t.ok(got.gap === undefined && electronic.gap === undefined, `step ${k}: gap withheld, as by Predict`);
    t.ok(got.warnings.length === 1 && got.warnings[0] === electronic.warnings[0] && /lumo and gap withheld/.test(got.warnings[0]),
      `step ${k}: the session carries Predict's warning`);
    t.ok(close(got.energy!, energy.energy!), `step ${k}: energy equal`);
  }
  await session.close();
  const ev = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy', 'homo'], units: 'ev' });
  const step = await ev.step(Float64Array.from(WATER));
  const reference = (await client.predict([{ atomicNumbers: [8, 1, 1], positions: WATER }], { outputs: ['homo'], units: 'ev' })).structures[0];
  t.ok(step.homo !== undefined && step.homo === reference.homo && step.homo < -5, `units "ev" applies to the Hamiltonian outputs too (HOMO ${step.homo} eV)`);
  await ev.close();
  const periodic = await rpcError(client.session({ atomicNumbers: [8, 1, 1], cell: [5, 0, 0, 0, 5, 0, 0, 0, 5], pbc: true, outputs: ['gap'] }));
  t.match(periodic, { code: status.INVALID_ARGUMENT, details: /Hamiltonian models take molecules/ }, 'Hamiltonian outputs of a periodic structure');
});
