// The addon's one job path (addon/napi/async_job.hpp, compute_pool.hpp): finished jobs come
// back through the pool's one completion channel, which keeps the event loop alive exactly while
// jobs are outstanding; a session step may run inline when the pool is idle and must then give
// bitwise the results of the same step on the pool.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';
import type { EnergyModelHandle } from '../server/native/model-addon';
import { realAddon } from './helpers/daemon';

const root = path.join(__dirname, '..');
const addonPath = path.join(root, 'build', 'addon', 'Release', 'hamd.node');
const energyModel = path.join(root, 'models', 'default-energy.npz');

// Ethanol, a 500 K-like geometry (Angstrom).
const numbers = [6, 6, 8, 1, 1, 1, 1, 1, 1];
const ethanol = [
  -0.0046, 0.5515, 0.0, 1.2022, -0.3627, 0.0, -1.1681, -0.2630, 0.0, 2.1398, 0.1999, 0.0, 1.1766, -1.0022, 0.8845,
  1.1766, -1.0022, -0.8845, 0.0337, 1.1992, 0.8790, 0.0337, 1.1992, -0.8790, -1.9484, 0.3025, 0.0,
];

t.test('pending jobs keep a script alive until they settle; an idle engine lets it exit', async (t) => {
  // Nothing else is on the event loop while the job runs: without the completion channel's
  // reference the script would exit before printing (and with a leaked one it would hang).
  const script = `
    const addon = require(${JSON.stringify(addonPath)});
    const engine = addon.createEngine(1);
    const system = { types: Int32Array.from([8, 1, 1]), positions: Float64Array.from([0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47]), cell: new Float64Array(9), pbc: [false, false, false] };
    const request = { systems: [system], kind: 'power-spectrum', hypers: { cutoff: 4, cutoff_width: 0.5, max_radial: 3, max_angular: 3, density_width: 0.3 }, species: new Int32Array(0), maxLambda: -1, gradients: ['positions'], maxOutputBytes: 0 };
    let settled = 0;
    for (let i = 0; i < 3; i++) engine.computeDescriptors(request).then((r) => { settled += 1; if (settled === 3) console.log('settled', r.blocks.length > 0); });
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  t.equal(run.status, 0, `the script exits 0 on its own (${run.stderr.trim()})`);
  t.equal(run.stdout.trim(), 'settled true', 'every job settled before the script exited');
});

t.test('an inline session step equals the same step on the pool, bitwise', async (t) => {
  const engine = realAddon().createEngine(2);
  t.teardown(() => engine.close());
  const model = engine.loadModel(energyModel) as EnergyModelHandle;
  const open = () => model.openSession({
    system: { types: Int32Array.from(numbers), cell: new Float64Array(9), pbc: [false, false, false] },
    skin: 0.5, outputs: ['energy', 'forces', 'energies'], units: 'ev',
  });
  const pooled = open();
  const inline = open();
  for (let step = 0; step < 6; step++) {
    const positions = Float64Array.from(ethanol, (x, i) => x + 0.01 * Math.sin(7 * i + step));
    const a = await pooled.step(positions, undefined, undefined, false);
    // Nothing else runs on this engine, so the pool is idle and the step runs on this thread.
    const b = await inline.step(positions, undefined, undefined, true);
    t.equal(b.energy, a.energy, `step ${step}: energy`);
    t.same(Array.from(b.forces!), Array.from(a.forces!), `step ${step}: forces`);
    t.same(Array.from(b.energies!), Array.from(a.energies!), `step ${step}: per-atom energies`);
    t.equal(b.neighborsRebuilt, a.neighborsRebuilt, `step ${step}: the same neighbour-list decision`);
  }
  // With a job on the pool, an inline request waits its turn on the pool instead.
  const busy = pooled.step(Float64Array.from(ethanol), undefined, undefined, false);
  const queued = inline.step(Float64Array.from(ethanol), undefined, undefined, true);
  const [x, y] = await Promise.all([busy, queued]);
  t.equal(y.energy, x.energy, 'an inline-allowed step while the pool is busy gives the same energy');
  pooled.close();
  inline.close();
});
