// `hamd train energy`: an energy/force dataset in (written here by numpy, from a pair potential),
// a model file and a report out; usage errors. The model's physics is tested natively
// (test/native/test_model_energy.cpp).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient, type StructureInput } from '../clients/node';
import { realAddon, runCli, spawnDaemon, tempDir } from './helpers/daemon';
import { makeDataset, numpy, trainTinyModel } from './helpers/energy-model';

// `hamd serve` with an energy model: Predict's energy outputs through the daemon, bitwise
// equal to the addon in process; unit conversion; the kind routing of outputs; errors.
t.test('hamd train energy: model file, report with validation errors, progress', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const data = path.join(dir, 'water.npz');
  const written = spawnSync('python3', ['-c', makeDataset, data], { encoding: 'utf8' });
  t.equal(written.status, 0, `dataset written ${written.stderr}`);
  const output = path.join(dir, 'models', 'water-energy.npz');
  const run = runCli(['train', 'energy', '--data', data, '-o', output, '--cutoff', '3.5', '--max-radial', '3', '--max-angular', '3', '--seed', '2', '--threads', '1']);
  t.equal(run.status, 0, `exit 0 ${run.status ? run.stderr : ''}`);
  t.match(run.stderr, /fit +\[#+\] \d+\/\d+/, 'progress bar on stderr');
  t.match(run.stderr, /validation energy MAE [\d.]+ eV, force MAE [\d.]+ eV\/A/, 'validation errors on stderr');
  t.ok(fs.existsSync(output), 'model written (its directory created)');
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'models', 'water-energy.report.json'), 'utf8'));
  const validation = report.metadata.validation.validation;
  t.ok(validation.force_mae_ev_per_angstrom < 0.5, `validation force MAE ${validation.force_mae_ev_per_angstrom} eV/A`);
  t.equal(report.metadata.hyper_parameters.max_radial, 3, 'the flags reached the training');
  t.equal(report.metadata.training.validation_structures, 6, '20 % of 30 structures held out');
  t.equal(report.parity.reference_ev.length, 6, 'parity points of the held-out structures');
  const format = spawnSync('python3', ['-c', `import numpy as np; f = np.load(${JSON.stringify(output)}); print(f["format"], f["weights"].shape[0] == 2 * (1 + 3 * 4 * 16) or f["weights"].shape)`], { encoding: 'utf8' });
  t.equal(format.stdout.trim(), 'hamd-energy-model True', 'numpy reads the model file: format, weights of 2 species x (1 + power spectrum)');
});

t.test('hamd train energy: usage and data errors', async (t) => {
  t.equal(runCli(['train', 'energy', '-o', '/tmp/never.npz']).status, 2, 'missing --data is a usage error');
  t.equal(runCli(['train', 'energy', '--data', 'x.npz']).status, 2, 'missing -o is a usage error');
  const missing = runCli(['train', 'energy', '--data', '/nonexistent/data.npz', '-o', '/tmp/never.npz']);
  t.equal(missing.status, 1, 'a missing dataset fails');
  t.match(missing.stderr, /no such file/);
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const hamiltonianData = path.join(path.dirname(__dirname), 'data', 'train.npz');
  if (fs.existsSync(hamiltonianData)) {
    const wrong = runCli(['train', 'energy', '--data', hamiltonianData, '-o', path.join(dir, 'm.npz')]);
    t.equal(wrong.status, 1, 'a Hamiltonian dataset is refused');
    t.match(wrong.stderr, /not a hamd energy dataset/);
  }
  t.match(runCli(['train', 'potential', '--data', 'x', '-o', 'y']).stderr, /"hamiltonian" and "energy"/, 'the usage error lists the model kinds');
});

t.test('Predict with an energy model through the daemon', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--no-models', '--model', `water=${modelFile}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const water: StructureInput = { atomicNumbers: [8, 1, 1], positions: [[0, 0, 0.12], [0, 0.75, -0.46], [0, -0.77, -0.47]] };
  const box: StructureInput = { ...water, cell: [3.4, 0, 0, 0.4, 3.3, 0, -0.3, 0.2, 3.5], pbc: true };

  const info = (await client.listModels()).find((m) => m.name === 'water')!;
  t.match(info, { name: 'water', kind: 'energy', state: 'ready', isDefault: true }, 'ListModels: an energy model, the default of its kind');
  t.same([...info.outputs], ['energy', 'forces', 'stress', 'energies', 'energy_uncertainty'], 'its outputs');
  t.ok(Object.keys(info.validation).some((k) => /force_mae/.test(k)), 'validation metrics from its training');
  t.ok((await client.info()).capabilities.includes('predict/energy'), 'ServerInfo capability predict/energy');

  const all = ['energy', 'forces', 'stress', 'energies', 'energy_uncertainty'] as const;
  const got = await client.predict([water, box], { outputs: [...all] });
  t.equal(got.model, 'water', 'no model named: the default model of the outputs\' kind answers');
  t.equal(got.units, 'ev', 'eV by default');
  const engine = realAddon().createEngine(1);
  t.teardown(() => engine.close());
  const handle = engine.loadModel(modelFile);
  const systems = [water, box].map((s) => ({
    types: Int32Array.from(s.atomicNumbers), positions: Float64Array.from((s.positions as number[][]).flat()),
    cell: Float64Array.from((s.cell as number[] | undefined) ?? new Array(9).fill(0)), pbc: (s.pbc ? [true, true, true] : [false, false, false]) as [boolean, boolean, boolean],
  }));
  if (handle.metadata().kind !== 'energy') throw new Error('not an energy model');
  const want = await (handle as import('../server/native/model-addon').EnergyModelHandle).predict({ systems, outputs: [...all], units: 'ev' });
  for (let i = 0; i < 2; i++) {
    const g = got.structures[i], w = want.structures[i];
    t.equal(g.energy, w.energy, `structure ${i}: energy bitwise equal to the addon in process`);
    t.same(Array.from(g.forces!), Array.from(w.forces!), `structure ${i}: forces bitwise equal`);
    t.same(Array.from(g.energies!), Array.from(w.energies!), `structure ${i}: per-atom energies bitwise equal`);
    t.equal(g.energyUncertainty, w.energyUncertainty, `structure ${i}: uncertainty`);
    t.ok(Math.abs(Array.from(g.energies!).reduce((a, b) => a + b, 0) - g.energy!) < 1e-12 * (1 + Math.abs(g.energy!)), `structure ${i}: per-atom energies sum to the energy`);
  }
  t.equal(got.structures[0].stress, undefined, 'no stress for a molecule');
  t.equal(got.structures[1].stress?.length, 9, 'a 3 x 3 stress for the periodic cell');

  const hartree = await client.predict([water], { outputs: ['energy', 'forces'], units: 'hartree' });
  const HARTREE_EV = 27.211386245988, BOHR = 0.529177210903;
  t.ok(Math.abs(hartree.structures[0].energy! * HARTREE_EV - got.structures[0].energy!) < 1e-12 * Math.abs(got.structures[0].energy!), 'units hartree: the energy in Hartree');
  t.ok(Math.abs(hartree.structures[0].forces![0] * HARTREE_EV / BOHR - got.structures[0].forces![0]) < 1e-12 * (1 + Math.abs(got.structures[0].forces![0])), 'units hartree: forces in Hartree/Bohr');
  const defaults = await client.predict([water], { model: 'water' });
  t.ok(defaults.structures[0].energy !== undefined && defaults.structures[0].forces !== undefined && defaults.structures[0].energies === undefined,
    'a named energy model without outputs answers its defaults: energy and forces');

  const code = async (promise: Promise<unknown>, expected: status, pattern: RegExp, label: string) => {
    const error = await promise.then(() => undefined, (e: { code?: number; details?: string }) => e);
    t.equal(error?.code, expected, `${label}: ${status[expected]}`);
    t.match(error?.details ?? '', pattern, `${label}: says why`);
  };
  await code(client.predict([water], { outputs: ['energy', 'homo'] }), status.INVALID_ARGUMENT, /one request asks one model/, 'Hamiltonian and energy outputs mixed');
  await code(client.predict([water], { model: 'water', outputs: ['homo'] }), status.INVALID_ARGUMENT, /kind energy\) answers energy, forces/, 'Hamiltonian outputs of an energy model');
  await code(client.predict([water], { outputs: ['homo'] }), status.FAILED_PRECONDITION, /no default hamiltonian model/, 'Hamiltonian outputs with only an energy model loaded');
  await code(client.predict([{ atomicNumbers: [6, 1], positions: [[0, 0, 0], [0, 0, 1.1]] }], { outputs: ['energy'] }), status.INVALID_ARGUMENT, /C is an element this model does not know/, 'an element the model does not know');
  await code(client.predict([water], { outputs: ['energy'], order: 'pyscf' }), status.INVALID_ARGUMENT, /order: energy models have no orbital order/, 'an orbital order for an energy model');
  t.equal((await client.predict([water], { outputs: ['energy'] })).structures.length, 1, 'still serving');
});

// The shipped default model has a bispectrum family, which has no cell gradients: its stress
// comes by the adjoint route, and through the daemon like any other output.
t.test('Predict: the stress of a power spectrum + bispectrum model (the shipped default) is the strain derivative of its energy', async (t) => {
  const dir = tempDir();
  const modelFile = path.join(path.dirname(__dirname), 'models', 'default-energy.npz');
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--no-models', '--model', `ethanol=${modelFile}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  t.ok((await client.listModels()).find((m) => m.name === 'ethanol')!.outputs.includes('stress'), 'ListModels: stress among its outputs');

  // Ethanol in a skewed cell with its images within the model's 5 A cutoff.
  const numbers = [6, 6, 8, 1, 1, 1, 1, 1, 1];
  const x0 = [-0.0, 0.58, 0.0, 1.26, -0.37, 0.0, -1.2, -0.17, 0.0, -0.03, 1.22, 0.89, -0.03, 1.22, -0.89, 1.3, -1.01, 0.88, 1.3, -1.01, -0.88, 2.1, 0.36, 0.0, -1.95, 0.43, 0.0];
  const h0 = [7.6, 0, 0, 0.4, 7.4, 0, -0.3, 0.2, 7.8];
  const structure = (x: number[], h: number[]): StructureInput => ({ atomicNumbers: numbers, positions: x, cell: h, pbc: true });
  // h -> h (1 + e E_cb), positions alike (fractional coordinates fixed).
  const strained = (c: number, b: number, e: number): StructureInput => {
    const x = x0.slice(), h = h0.slice();
    for (let k = 0; k < 3; k++) h[3 * k + b] += e * h0[3 * k + c];
    for (let a = 0; a < numbers.length; a++) x[3 * a + b] += e * x0[3 * a + c];
    return structure(x, h);
  };
  const step = 1e-4, steps = [step, -step, step / 2, -step / 2];
  const batch = [structure(x0, h0)];
  for (let cb = 0; cb < 9; cb++) for (const e of steps) batch.push(strained(Math.floor(cb / 3), cb % 3, e));
  const got = (await client.predict(batch, { outputs: ['energy', 'stress', 'energies'] })).structures;
  const stress = got[0].stress!;
  t.equal(stress.length, 9, 'a 3 x 3 stress');

  // Central differences D(s) = (E(s) - E(-s)) / (2 s V) are off by C s^2 (truncation) plus the
  // energies' rounding over s V. D(step) - D(step / 2) = 3/4 C step^2 estimates the truncation
  // of D(step / 2), C step^2 / 4, with a margin of 3 for higher orders; the rounding of an energy
  // is taken as 1e4 eps sum |E_i| (each per-atom term a sum of ~10^3 products, about as large as
  // the terms: test/native/test_model_energy_evaluate.cpp bounds it from the features themselves).
  const volume = Math.abs(h0[0] * (h0[4] * h0[8] - h0[5] * h0[7]) - h0[1] * (h0[3] * h0[8] - h0[5] * h0[6]) + h0[2] * (h0[3] * h0[7] - h0[4] * h0[6]));
  const rounding = 1e4 * Number.EPSILON * Array.from(got[0].energies!).reduce((sum, e) => sum + Math.abs(e), 0);
  let worst = 0, largest = 0;
  for (let cb = 0; cb < 9; cb++) {
    const [plus, minus, halfPlus, halfMinus] = got.slice(1 + 4 * cb, 5 + 4 * cb).map((s) => s.energy!);
    const coarse = (plus - minus) / (2 * step * volume), fine = (halfPlus - halfMinus) / (step * volume);
    const bound = Math.abs(coarse - fine) + 2 * rounding / (step / 2 * volume);
    worst = Math.max(worst, Math.abs(stress[cb] - fine) / bound);
    largest = Math.max(largest, Math.abs(stress[cb]));
  }
  t.ok(largest > 1e-3 && worst <= 1, `stress equals the finite-difference strain derivative over the volume (worst error / bound ${worst.toPrecision(3)})`);

  const engine = realAddon().createEngine(1);
  t.teardown(() => engine.close());
  const handle = engine.loadModel(modelFile) as import('../server/native/model-addon').EnergyModelHandle;
  const want = await handle.predict({
    systems: [{ types: Int32Array.from(numbers), positions: Float64Array.from(x0), cell: Float64Array.from(h0), pbc: [true, true, true] }],
    outputs: ['stress'], units: 'ev',
  });
  t.same(Array.from(stress), Array.from(want.structures[0].stress!), 'bitwise equal to the addon in process');
});
