// Surrogate-Hamiltonian serving: ListModels / LoadModel / UnloadModel / Predict through a real
// daemon and the Node client, bitwise against the addon in process; errors and their codes;
// a corrupt model file; `hamd predict` and `hamd train` on the command line.
//
// The model is models/default-hamiltonian.npz (shipped; CI has it), else $HAMD_TEST_MODEL, else
// a tiny model trained here on data/train.npz. Without any, the model tests skip, saying why.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { HamdClient, type PredictOutput, type PredictResult, type StructureInput } from '../clients/node';
import type { NativeSystem } from '../server/native/addon';
import type { NativePredictRequest, NativePredictResult } from '../server/native/model-addon';
import { packageRoot } from '../server/base/paths';
import { realAddon, runCli, spawnDaemon, tempDir, type DaemonProcess } from './helpers/daemon';
import { expectCode, serveModels } from './helpers/model-daemon';
import { methane, water } from './helpers/structures';

const HARTREE_EV = 27.211386245988;
const allOutputs: PredictOutput[] = [
  'fock_orthogonal', 'fock', 'overlap', 'orbital_energies', 'valid_orbitals', 'homo', 'lumo', 'gap', 'orbital_labels',
  'excitation_energies', 'oscillator_strengths',
];

const ethanol: StructureInput = {
  atomicNumbers: [6, 6, 8, 1, 1, 1, 1, 1, 1],
  positions: [
    [-1.1879, -0.3829, 0.0], [0.0101, 0.5596, 0.0], [1.1721, -0.2546, 0.0], [-2.1220, 0.1801, 0.0],
    [-1.1597, -1.0220, 0.8847], [-1.1597, -1.0220, -0.8847], [-0.0164, 1.2069, 0.8842], [-0.0164, 1.2069, -0.8842],
    [1.9470, 0.3135, 0.0],
  ],
};
const acetonitrile: StructureInput = {
  atomicNumbers: [6, 6, 7, 1, 1, 1],
  positions: [[0, 0, -1.4570], [0, 0, 0], [0, 0, 1.1570], [1.0289, 0, -1.8210], [-0.5144, 0.8910, -1.8210], [-0.5144, -0.8910, -1.8210]],
};
const molecules = [water, methane, ethanol, acetonitrile];

const trainingData = path.join(packageRoot, 'data', 'train.npz');
// Small settings: `hamd train` then takes seconds.
const tinyTraining = ['--max-radial', '2', '--max-angular', '2', '--epochs', '3', '--threads', '2', '--no-plot'];

// The shipped default model, else $HAMD_TEST_MODEL, else (before the default model ships) a
// tiny one trained here on data/train.npz.
function modelFile(): string | undefined {
  const candidates = [path.join(packageRoot, 'models', 'default-hamiltonian.npz'), process.env.HAMD_TEST_MODEL];
  const found = candidates.find((f): f is string => !!f && fs.existsSync(f));
  if (found || !hasModelBinding() || !fs.existsSync(trainingData)) return found;
  const dir = tempDir('hamd-tiny-model-');
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tiny.npz');
  const run = runCli(['train', 'hamiltonian', '--data', trainingData, '-o', file, ...tinyTraining]);
  if (run.status !== 0) throw new Error(`training a tiny model failed: ${run.stderr}`);
  return file;
}

function hasModelBinding(): boolean {
  const engine = realAddon().createEngine(1);
  try {
    return typeof engine.loadHamiltonianModel === 'function';
  } finally {
    engine.close();
  }
}

// The engine of the in-process comparisons (closed when the tests end).
const inProcessEngine = realAddon().createEngine(2);
t.teardown(() => inProcessEngine.close());

function sameBits(a: Float64Array | Int32Array | undefined, b: Float64Array | Int32Array | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function nativeSystem(s: StructureInput): NativeSystem {
  const positions = Float64Array.from((Array.from(s.positions as ArrayLike<ArrayLike<number>>)).flatMap((row) => Array.from(row)));
  return { types: Int32Array.from(s.atomicNumbers), positions, cell: new Float64Array(9), pbc: [false, false, false] };
}

// Daemon result == addon result, bit for bit, for every structure and output.
function assertSameAsAddon(t: Test, got: PredictResult, want: NativePredictResult, label: string): void {
  t.equal(got.structures.length, want.structures.length, `${label}: structure count`);
  let same = true;
  const differences: string[] = [];
  got.structures.forEach((g, i) => {
    const w = want.structures[i];
    const checks: Array<[string, boolean]> = [
      ['nOrbitals', g.nOrbitals === w.nOrbitals],
      ['nElectrons', g.nElectrons === w.nElectrons],
      ['fockOrthogonal', sameBits(g.fockOrthogonal, w.fockOrthogonal)],
      ['fock', sameBits(g.fock, w.fock)],
      ['overlap', sameBits(g.overlap, w.overlap)],
      ['orbitalEnergies', sameBits(g.orbitalEnergies, w.orbitalEnergies)],
      ['homo', Object.is(g.homo, w.homo)],
      ['lumo', Object.is(g.lumo, w.lumo)],
      ['gap', Object.is(g.gap, w.gap)],
      ['orbitalNames', JSON.stringify(g.orbitalNames) === JSON.stringify(w.orbitalNames)],
      ['orbitals', sameBits(g.orbitals, w.orbitals)],
      ['validOrbitals', JSON.stringify(g.validOrbitals) === JSON.stringify(w.validOrbitals)],
      ['excitationEnergies', sameBits(g.excitationEnergies, w.excitationEnergies)],
      ['oscillatorStrengths', sameBits(g.oscillatorStrengths, w.oscillatorStrengths)],
      ['excitationValidWeight', sameBits(g.excitationValidWeight, w.excitationValidWeight)],
      ['warnings', JSON.stringify(g.warnings) === JSON.stringify(w.warnings ?? [])],
    ];
    for (const [name, ok] of checks) if (!ok) { same = false; differences.push(`structures[${i}].${name}`); }
  });
  t.ok(same, `${label}: every output bitwise equal to the addon's${differences.length ? ` (differ: ${differences.join(', ')})` : ''}`);
}

const model = modelFile();
const binding = hasModelBinding();
const skipReason = !binding ? 'the addon has no loadHamiltonianModel (addon/napi/model.cpp not built)'
  : !model ? 'no model: models/default-hamiltonian.npz is not there yet, nor $HAMD_TEST_MODEL, nor data/train.npz to train one' : undefined;

t.test('a daemon whose only model file is corrupt logs why and serves descriptors', { skip: binding ? false : 'the addon has no model binding' }, async (t) => {
  const dir = tempDir();
  const repository = path.join(dir, 'models');
  fs.mkdirSync(repository);
  fs.writeFileSync(path.join(repository, 'default-hamiltonian.npz'), 'PK\x03\x04 this is not a model');
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1', '--models', repository]);
  t.teardown(async () => { await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const failed = await daemon.waitFor((l) => l.event === 'model-load-failed');
  t.equal(failed.level, 'error', 'logged as an error');
  t.match(String(failed.message), /\S/, `with a reason (${failed.message})`);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(() => client.close());
  const models = await client.listModels();
  t.equal(models.length, 1);
  t.equal(models[0].state, 'failed', 'ListModels shows the model as failed');
  t.equal(models[0].error, failed.message, 'with the same reason');
  t.notOk((await client.info()).capabilities.includes('predict/hamiltonian'), 'no predict capability');
  await expectCode(t, client.predict([water]), status.FAILED_PRECONDITION, /no model is loaded/, 'Predict without a model');
  await expectCode(t, client.predict([water], { model: 'default-hamiltonian' }), status.NOT_FOUND, /not loaded/, 'Predict naming the failed model');
  await expectCode(t, client.loadModel('default-hamiltonian'), status.INVALID_ARGUMENT, /could not be loaded/, 'LoadModel of the corrupt file');
  await expectCode(t, client.loadModel('nonexistent'), status.NOT_FOUND, /no model "nonexistent"/, 'LoadModel of an unknown name');
  const descriptors = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: { max_radial: 2, max_angular: 2 } });
  t.ok(descriptors.blocks.length > 0, 'descriptors are still served');
});

t.test('serving a model', { skip: skipReason ?? false }, async (t) => {
  const file = model as string;
  const { client: c, address, dir } = await serveModels(t, { 'default-hamiltonian': file, second: file });
  const handle = inProcessEngine.loadHamiltonianModel(file);
  const inProcess = (request: Omit<NativePredictRequest, 'systems'>, structures = molecules) =>
    handle.predict({ systems: structures.map(nativeSystem), ...request });

  await t.test('ListModels shows the default model, ServerInfo the capability', async (t) => {
    const models = await c.listModels();
    t.same(models.map((m) => m.name), ['default-hamiltonian', 'second'], 'both repository models, sorted');
    const main = models[0];
    t.equal(main.state, 'ready');
    t.equal(main.isDefault, true, 'default flag');
    t.equal(models[1].isDefault, false);
    t.equal(main.kind, 'hamiltonian');
    t.same(main.species, handle.metadata().species, 'species from the file');
    for (const z of [1, 6, 7, 8]) t.ok(main.species.includes(z), `knows Z = ${z}`);
    t.ok(main.cutoff > 0, `cutoff ${main.cutoff} Angstrom`);
    t.match(main.basis, /sto-3g/i, 'basis');
    t.same([...main.outputs].sort(), [...allOutputs].sort(), 'outputs');
    t.ok(Object.keys(main.validation).length > 0, `validation metrics: ${Object.keys(main.validation).join(', ')}`);
    t.ok((await c.info()).capabilities.includes('predict/hamiltonian'), 'ServerInfo capability predict/hamiltonian');
  });

  for (const units of ['hartree', 'ev'] as const) {
    for (const order of ['hamd', 'pyscf'] as const) {
      await t.test(`Predict (${units}, ${order} order) equals the addon in process, bitwise`, async (t) => {
        const got = await c.predict(molecules, { outputs: allOutputs, units, order });
        t.equal(got.model, 'default-hamiltonian', 'answered by the default model');
        t.equal(got.units, units);
        t.equal(got.order, order);
        assertSameAsAddon(t, got, await inProcess({ outputs: allOutputs, units, order }), `${units}/${order}`);
      });
    }
  }

  await t.test('outputs: F\' symmetric, energies ascending, HOMO/LUMO/gap consistent, eV = Hartree x 27.2114', async (t) => {
    const hartree = await c.predict(molecules, { outputs: allOutputs });
    const ev = await c.predict(molecules, { outputs: allOutputs, units: 'ev' });
    hartree.structures.forEach((s, i) => {
      const n = s.nOrbitals;
      const f = s.fockOrthogonal as Float64Array;
      let asym = 0;
      let scale = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        asym = Math.max(asym, Math.abs(f[a * n + b] - f[b * n + a]));
        scale = Math.max(scale, Math.abs(f[a * n + b]));
      }
      t.ok(asym <= 1e-12 * scale, `structure ${i}: F' symmetric (max |F' - F'^T| = ${asym})`);
      const e = s.orbitalEnergies as Float64Array;
      t.equal(e.length, n, `structure ${i}: ${n} orbital energies`);
      t.ok(e.every((v, k) => k === 0 || v >= e[k - 1]), `structure ${i}: ascending`);
      const occupied = s.nElectrons / 2;
      t.equal(s.nElectrons, Array.from(molecules[i].atomicNumbers).reduce((a, b) => a + b, 0), `structure ${i}: neutral electron count`);
      t.equal(s.homo, e[occupied - 1], `structure ${i}: HOMO is level ${occupied - 1}`);
      const valid = s.validOrbitals as boolean[];
      t.same(valid.slice(0, occupied), Array(occupied).fill(true), `structure ${i}: every occupied level is valid`);
      const degenerate = valid.slice(occupied + 1).map((_, j) => valid[occupied + j] && e[occupied + 1 + j] - e[occupied + j] < 1e-3);
      t.same(valid.slice(occupied + 1), degenerate, `structure ${i}: above the LUMO only levels degenerate with a valid one are valid`);
      if (valid[occupied]) {
        t.equal(s.lumo, e[occupied], `structure ${i}: LUMO is level ${occupied}`);
        t.ok(Math.abs((s.gap as number) - (e[occupied] - e[occupied - 1])) <= 1e-15 * Math.abs(e[occupied]), `structure ${i}: gap = LUMO - HOMO`);
        t.ok((s.gap as number) > 0, `structure ${i}: positive gap ${s.gap}`);
      } else {
        t.ok(s.lumo === undefined && s.gap === undefined, `structure ${i}: an invalid LUMO is withheld, with the gap`);
        t.match(s.warnings.join('\n'), new RegExp(`structure ${i}: lumo and gap withheld`), `structure ${i}: a warning says why`);
      }
      // Saturated molecules have a Rydberg-like large-basis LUMO (withheld); acetonitrile's is a valence pi*.
      t.equal(valid[occupied], i === 3, `structure ${i}: LUMO valid only for acetonitrile`);
      const inEv = ev.structures[i].orbitalEnergies as Float64Array;
      t.ok(e.every((v, k) => Math.abs(inEv[k] - v * HARTREE_EV) <= 1e-12 * Math.abs(v * HARTREE_EV) + 1e-12), `structure ${i}: eV energies = Hartree x ${HARTREE_EV}`);
      const fe = ev.structures[i].fockOrthogonal as Float64Array;
      t.ok(f.every((v, k) => Math.abs(fe[k] - v * HARTREE_EV) <= 1e-12 * Math.abs(v * HARTREE_EV) + 1e-12), `structure ${i}: eV F' = Hartree F' x ${HARTREE_EV}`);
      t.equal(s.orbitalNames?.length, n, `structure ${i}: one label per orbital`);
      const ov = s.overlap as Float64Array;
      t.ok(Array.from({ length: n }, (_, k) => ov[k * n + k]).every((d) => Math.abs(d - 1) < 1e-10), `structure ${i}: S has a unit diagonal (normalised AOs)`);
    });
  });

  await t.test('PySCF order permutes the matrices as its labels say', async (t) => {
    const hamd = await c.predict([ethanol], { outputs: ['fock_orthogonal', 'fock', 'orbital_labels'] });
    const pyscf = await c.predict([ethanol], { outputs: ['fock_orthogonal', 'fock', 'orbital_labels'], order: 'pyscf' });
    const [h, p] = [hamd.structures[0], pyscf.structures[0]];
    const n = h.nOrbitals;
    const key = (o: Int32Array, k: number) => `${o[4 * k]},${o[4 * k + 1]},${o[4 * k + 2]},${o[4 * k + 3]}`;
    const hamdIndex = new Map(Array.from({ length: n }, (_, k) => [key(h.orbitals as Int32Array, k), k]));
    const map = Array.from({ length: n }, (_, k) => hamdIndex.get(key(p.orbitals as Int32Array, k)) as number);
    t.same([...map].sort((a, b) => a - b), Array.from({ length: n }, (_, k) => k), 'the PySCF labels are a permutation of hamd\'s');
    t.notSame(map, Array.from({ length: n }, (_, k) => k), 'and not the identity (p shells are reordered)');
    let same = true;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
      same &&= (p.fock as Float64Array)[a * n + b] === (h.fock as Float64Array)[map[a] * n + map[b]];
      same &&= (p.fockOrthogonal as Float64Array)[a * n + b] === (h.fockOrthogonal as Float64Array)[map[a] * n + map[b]];
    }
    t.ok(same, 'F and F\' in PySCF order are hamd\'s permuted by the labels, exactly');
    t.ok(p.orbitalNames?.some((name) => /2px$/.test(name)), 'PySCF-style names');
  });

  await t.test('default outputs and repeated outputs', async (t) => {
    const got = await c.predict([water]);
    const s = got.structures[0];
    t.ok(s.orbitalEnergies && s.validOrbitals && s.homo !== undefined, 'orbital energies, their validity and HOMO by default');
    t.ok(s.lumo === undefined && s.gap === undefined && s.warnings.length === 1, 'water: LUMO and gap withheld, one warning');
    t.equal(s.fockOrthogonal, undefined, 'no matrices unless asked');
    const twice = await c.predict([water], { outputs: ['homo', 'homo'] });
    t.equal(twice.structures[0].homo, s.homo, 'a repeated output is answered once');
  });

  await t.test('charge: electrons, occupation and the closed-shell rule', async (t) => {
    const neutral = (await c.predict([water], { outputs: ['orbital_energies', 'homo', 'lumo'] })).structures[0];
    const lumo = neutral.orbitalEnergies![5];  // water's LUMO is withheld (not valid); the level is listed
    t.equal(neutral.nElectrons, 10, 'neutral water: 10 electrons');
    const dianion = (await c.predict([water], { outputs: ['orbital_energies', 'homo', 'lumo'], charge: -2 })).structures[0];
    t.equal(dianion.nElectrons, 12, 'charge -2: 12 electrons');
    t.equal(dianion.homo, lumo, 'the neutral LUMO is the dianion\'s HOMO (same orbitals, one more pair occupied)');
    t.same(Array.from(dianion.orbitalEnergies!), Array.from(neutral.orbitalEnergies!), 'the orbitals do not depend on the charge');
    await expectCode(t, c.predict([water], { outputs: ['homo'], charge: 1 }), status.INVALID_ARGUMENT, /9 electrons/, 'an odd electron count has no closed-shell HOMO');
  });

  await t.test('bad inputs: exact codes, clear messages, the daemon keeps serving', async (t) => {
    const chlorine: StructureInput = { atomicNumbers: [6, 17, 1, 1, 1], positions: [[0, 0, 0], [0, 0, 1.78], [1.03, 0, -0.36], [-0.51, 0.89, -0.36], [-0.51, -0.89, -0.36]] };
    await expectCode(t, c.predict([water, chlorine]), status.INVALID_ARGUMENT, /structures\[1\].*Cl.*does not know/, 'element the model does not know');
    const close: StructureInput = { atomicNumbers: [8, 1, 1], positions: [[0, 0, 0], [0, 0, 0.25], [0, 0.76, -0.47]] };
    await expectCode(t, c.predict([close]), status.INVALID_ARGUMENT, /0\.3 Angstrom/, 'atoms closer than 0.3 Angstrom');
    const nan: StructureInput = { atomicNumbers: [8, 1, 1], positions: [[0, 0, NaN], [0, 0.76, -0.47], [0, -0.76, -0.47]] };
    await expectCode(t, c.predict([nan]), status.INVALID_ARGUMENT, /positions\[0\]\[2\].*not a finite number/, 'NaN position');
    await expectCode(t, c.predict([water], { model: 'no-such-model' }), status.NOT_FOUND, /"no-such-model" is not loaded/, 'unknown model name');
    await expectCode(t, c.predict([water], { outputs: ['homo', 'dipole' as PredictOutput] }), status.INVALID_ARGUMENT, /outputs\[1\]: "dipole"/, 'unknown output');
    await expectCode(t, c.predictMessage({ structures: [], outputs: [], units: 'kcal' }), status.INVALID_ARGUMENT, /units: "kcal"/, 'unknown units');
    await expectCode(t, c.predictMessage({ structures: [], outputs: [], order: 'orca' }), status.INVALID_ARGUMENT, /order: "orca"/, 'unknown order');
    await expectCode(t, c.predict([]), status.INVALID_ARGUMENT, /structures: empty/, 'no structures');
    const noAtoms: StructureInput = { atomicNumbers: [], positions: [] };
    for (const outputs of [['fock'], ['orbital_energies'], ['overlap', 'gap']] as PredictOutput[][]) {
      await expectCode(t, c.predict([noAtoms], { outputs }), status.INVALID_ARGUMENT, /structures\[0\]: no atoms/, `a structure with 0 atoms, outputs ${outputs}`);
    }
    const periodic: StructureInput = { ...water, cell: [10, 0, 0, 0, 10, 0, 0, 0, 10], pbc: true };
    await expectCode(t, c.predict([periodic]), status.INVALID_ARGUMENT, /periodic/, 'periodic structure');
    // 729 waters, 5103 orbitals: only 40 kB of HOMO/LUMO/gap, but 3 x 8 x 5103^2 = 625 MB of
    // working matrices, over the default 448 MiB: refused before any work.
    const grid: StructureInput = { atomicNumbers: [], positions: [] };
    for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) for (let k = 0; k < 9; k++) {
      for (let a = 0; a < 3; a++) {
        (grid.atomicNumbers as number[]).push(water.atomicNumbers[a]);
        (grid.positions as number[][]).push((water.positions as number[][])[a].map((x, d) => x + 3 * [i, j, k][d]));
      }
    }
    await expectCode(t, c.predict([grid], { outputs: ['homo', 'gap'] }), status.RESOURCE_EXHAUSTED, /working matrices \(5103 orbitals\)/, 'working memory counted whatever the outputs');
    t.equal((await c.predict([water])).structures.length, 1, 'still serving');
  });

  await t.test('UnloadModel and LoadModel', async (t) => {
    await c.unloadModel('default-hamiltonian');
    t.same((await c.listModels()).map((m) => [m.name, m.state, m.isDefault]), [['default-hamiltonian', 'unloaded', false], ['second', 'ready', true]],
      'unloaded; the only loaded model becomes the default');
    t.equal((await c.predict([water])).model, 'second', 'Predict without a name uses it');
    await expectCode(t, c.unloadModel('default-hamiltonian'), status.NOT_FOUND, /not loaded/, 'unloading twice');
    await c.unloadModel('second');
    await expectCode(t, c.predict([water]), status.FAILED_PRECONDITION, /no model is loaded/, 'no model loaded');
    t.notOk((await c.info()).capabilities.includes('predict/hamiltonian'), 'capability gone');
    const info = await c.loadModel('default-hamiltonian');
    t.equal(info.state, 'ready');
    t.equal(info.isDefault, true);
    t.equal((await c.predict([water])).model, 'default-hamiltonian', 'served again');
  });

  await t.test('hamd predict writes the documented .npz', async (t) => {
    const xyz = path.join(dir, 'in.xyz');
    const frames = [water, ethanol];
    const text = frames.map((f) => {
      const symbols: Record<number, string> = { 1: 'H', 6: 'C', 7: 'N', 8: 'O' };
      const rows = Array.from(f.positions as ArrayLike<ArrayLike<number>>).map((r, k) => `${symbols[f.atomicNumbers[k]]} ${r[0]} ${r[1]} ${r[2]}`);
      return `${rows.length}\nframe\n${rows.join('\n')}\n`;
    }).join('');
    fs.writeFileSync(xyz, text);
    const out = path.join(dir, 'out.npz');
    const env = { ...process.env, HAMD_ADDRESS: address };
    const cliOutputs: PredictOutput[] = ['fock_orthogonal', 'orbital_energies', 'valid_orbitals', 'homo', 'lumo', 'gap', 'orbital_labels', 'excitation_energies'];
    const result = runCli(['predict', xyz, '--outputs', cliOutputs.join(','), '--units', 'ev', '--order', 'pyscf', '--n-states', '3', '-o', out, '--no-autostart'], env);
    t.equal(result.status, 0, `exit 0 (${result.stderr.trim()})`);
    t.match(result.stderr, /hamd: warning: structure 0: lumo and gap withheld/, 'the withheld LUMO is reported on stderr');
    const want = await c.predict(frames, { outputs: cliOutputs, units: 'ev', order: 'pyscf', nStates: 3 });
    const dump = spawnSync('python3', ['-c', `
import json, sys, numpy as np
f = np.load(sys.argv[1], allow_pickle=False)
out = {k: (f[k].tolist() if f[k].dtype.kind != 'f' else f[k].tobytes().hex()) for k in f.files}
print(json.dumps(out))`, out], { encoding: 'utf8' });
    t.equal(dump.status, 0, `numpy reads it ${dump.stderr}`);
    const arrays = JSON.parse(dump.stdout) as Record<string, unknown>;
    const hex = (a?: Float64Array) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex') : undefined);
    t.equal(arrays.model, 'default-hamiltonian');
    t.equal(arrays.units, 'ev');
    t.equal(arrays.order, 'pyscf');
    t.same(arrays.n_orbitals, want.structures.map((s) => s.nOrbitals));
    t.equal(arrays.homo, hex(Float64Array.from(want.structures, (s) => s.homo as number)), 'homo, bitwise');
    want.structures.forEach((s, i) => {
      t.equal(arrays[`structure_${i}/fock_orthogonal`], hex(s.fockOrthogonal), `structure ${i}: F', bitwise`);
      t.equal(arrays[`structure_${i}/orbital_energies`], hex(s.orbitalEnergies), `structure ${i}: energies, bitwise`);
      t.same(arrays[`structure_${i}/orbital_labels`], s.orbitalNames, `structure ${i}: labels`);
      t.same(arrays[`structure_${i}/valid_orbitals`], s.validOrbitals?.map(Number), `structure ${i}: valid orbitals as 0/1`);
      t.equal(arrays[`structure_${i}/excitation_energies`], hex(s.excitationEnergies), `structure ${i}: 3 excitation energies, bitwise`);
      t.same(arrays[`structure_${i}/warnings`], s.warnings, `structure ${i}: warnings`);
    });
    t.equal(arrays.lumo, undefined, 'no lumo array: both molecules are saturated, every LUMO withheld');
    const bad = runCli(['predict', xyz, '--outputs', 'dipole', '-o', out, '--no-autostart'], env);
    t.equal(bad.status, 1, 'unknown output: exit 1');
    t.match(bad.stderr, /"dipole" is not one of/);
  });
});

// An independent reading of PySCF-style orbital names, to check the addon's integer labels.
const namedComponents: Record<string, [number, number]> = {
  s: [0, 0], py: [1, -1], pz: [1, 0], px: [1, 1], dxy: [2, -2], dyz: [2, -1], 'dz^2': [2, 0], dxz: [2, 1], 'dx2-y2': [2, 2],
};
function parseOrbitalName(name: string): [number, number, number, number] {
  const match = /^(\d+) \S+ (\d+)(s|p[xyz]|d(?:xy|yz|z\^2|xz|x2-y2))$/.exec(name);
  if (!match) throw new Error(`unexpected orbital label "${name}"`);
  const [l, m] = namedComponents[match[3]];
  return [Number(match[1]), Number(match[2]), l, m];
}

t.test('orbital labels: the addon\'s (atom, n, l, m) agree with its names in hamd\'s real-harmonic convention', { skip: skipReason }, async (t) => {
  t.same(parseOrbitalName('0 O 1s'), [0, 1, 0, 0]);
  t.same(['py', 'pz', 'px'].map((c) => parseOrbitalName(`12 C 2${c}`)), [[12, 2, 1, -1], [12, 2, 1, 0], [12, 2, 1, 1]], 'p: y, z, x = m -1, 0, 1');
  t.same(['dxy', 'dyz', 'dz^2', 'dxz', 'dx2-y2'].map((c) => parseOrbitalName(`3 Fe 3${c}`)[3]), [-2, -1, 0, 1, 2], 'd: m -2..2');
  t.throws(() => parseOrbitalName('O 1s'), /unexpected orbital label/);
  const handle = inProcessEngine.loadHamiltonianModel(model!);
  for (const order of ['hamd', 'pyscf'] as const) {
    const result = await handle.predict({ systems: [nativeSystem(ethanol)], outputs: ['orbital_labels'], units: 'hartree', order });
    const s = result.structures[0];
    const fromNames = s.orbitalNames!.flatMap(parseOrbitalName);
    t.same(Array.from(s.orbitals!), fromNames, `${order} order: integer labels match the names (${s.nOrbitals} orbitals)`);
    t.equal(s.orbitals!.length, 4 * s.nOrbitals, `${order} order: one (atom, n, l, m) row per orbital`);
  }
  const names = async (order: 'hamd' | 'pyscf') =>
    (await handle.predict({ systems: [nativeSystem(ethanol)], outputs: ['orbital_labels'], units: 'hartree', order })).structures[0].orbitalNames!
      .slice(0, 5).map((n) => n.split(' ')[2]);
  t.same(await names('hamd'), ['1s', '2s', '2py', '2pz', '2px'], 'hamd order: the first carbon\'s shells as the basis lists them, p as y, z, x');
  t.same(await names('pyscf'), ['1s', '2s', '2px', '2py', '2pz'], 'PySCF order: p as x, y, z');
});

t.test('hamd train hamiltonian: model, report, parity plot, progress', { skip: !binding ? 'the addon has no model binding' : !fs.existsSync(trainingData) ? 'no data/train.npz' : false }, async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const output = path.join(dir, 'nested', 'tiny.npz');
  const run = runCli(['train', 'hamiltonian', '--data', trainingData, '-o', output, ...tinyTraining.filter((a) => a !== '--no-plot'), '--seed', '3']);
  t.equal(run.status, 0, `exit 0 ${run.status ? run.stderr : ''}`);
  for (const stage of ['features', 'ridge', 'indirect']) t.match(run.stderr, new RegExp(`${stage} +\\[#+\\] \\d+/\\d+`), `progress bar of stage ${stage} on stderr`);
  t.ok(fs.existsSync(output), 'model written (its directory created)');
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'nested', 'tiny.report.json'), 'utf8'));
  t.equal(report.config.hypers.max_radial, 2, 'report: the configuration');
  t.equal(report.metadata.hyper_parameters.max_radial, 2, 'the flags reached the training (max_radial)');
  t.equal(report.metadata.hyper_parameters.epochs, 3, 'epochs');
  t.equal(report.metadata.hyper_parameters.seed, 3, 'seed');
  t.equal(report.metadata.hyper_parameters.optimizer, 'L-BFGS', 'the default optimizer of the indirect refinement');
  t.ok(Array.isArray(report.parity?.reference_ev) && report.parity.reference_ev.length > 0, 'report: parity points');
  const handle = inProcessEngine.loadHamiltonianModel(output);
  t.same(handle.metadata().species, [1, 6, 7, 8], 'the written model loads');
  const matplotlib = spawnSync('python3', ['-c', 'import matplotlib'], { encoding: 'utf8' }).status === 0;
  if (matplotlib && fs.existsSync(path.join(packageRoot, 'tools', 'plot-parity'))) {
    const png = fs.readFileSync(path.join(dir, 'nested', 'tiny.parity.png'));
    t.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'parity plot written');
  }
});

// data/validation.npz (20 structures) has Loewdin charges and orbital characters: every new term on.
const validationData = path.join(packageRoot, 'data', 'validation.npz');
t.test('hamd train hamiltonian: the charge, density, valence-virtual and message-passing options', { skip: !binding ? 'the addon has no model binding' : !fs.existsSync(validationData) ? 'no data/validation.npz' : false }, async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const output = path.join(dir, 'options.npz');
  const run = runCli(['train', 'hamiltonian', '--data', validationData, '-o', output, ...tinyTraining, '--charge-weight', '0.1',
    '--density-matrix-weight', '0.05', '--valence-virtuals', '2', '--valence-character', '0.5', '--message-radial', '1']);
  t.equal(run.status, 0, `exit 0 ${run.status ? run.stderr : ''}`);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'options.report.json'), 'utf8')).metadata;
  const levels = metadata.hyper_parameters.level_weights;
  t.same([levels.loewdin_charges, levels.density_matrix, levels.valence_virtuals, levels.valence_character], [0.1, 0.05, 2, 0.5],
    'the level options reached the training');
  t.equal(metadata.hyper_parameters.message_radial, 1, 'message passing on');
  t.equal(metadata.orbital_validity.virtual_below_ev.length, 2, 'one calibrated threshold per paired virtual slot');
  const handle = inProcessEngine.loadHamiltonianModel(output);
  const [s] = (await handle.predict({ systems: [nativeSystem(acetonitrile)], outputs: ['valid_orbitals'], units: 'hartree', order: 'hamd' })).structures;
  t.equal(s.validOrbitals?.length, s.nOrbitals, 'the model predicts, with validity flags');
  const bad = runCli(['train', 'hamiltonian', '--data', validationData, '-o', path.join(dir, 'never.npz'), '--valence-character', '2']);
  t.equal(bad.status, 1, 'a character above 1 fails');
  t.match(bad.stderr, /valenceCharacter must be in \[0, 1\]/);
});

t.test('hamd train hamiltonian --pair-order2: the fitted projections travel with the model file', { skip: !binding ? 'the addon has no model binding' : !fs.existsSync(validationData) ? 'no data/validation.npz' : false }, async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const output = path.join(dir, 'order2.npz');
  const run = runCli(['train', 'hamiltonian', '--data', validationData, '-o', output, ...tinyTraining, '--pair-order2', '2',
    '--pair-order2-density', '3']);
  t.equal(run.status, 0, `exit 0 ${run.status ? run.stderr : ''}`);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'order2.report.json'), 'utf8')).metadata;
  t.same([metadata.hyper_parameters.pair_order2_components, metadata.hyper_parameters.pair_order2_density_components], [2, 3],
    'the order-2 settings reached the training');
  const handle = inProcessEngine.loadHamiltonianModel(output);
  const [s] = (await handle.predict({ systems: [nativeSystem(acetonitrile)], outputs: ['orbital_energies'], units: 'hartree', order: 'hamd' })).structures;
  t.ok(s.orbitalEnergies && s.orbitalEnergies.length === s.nOrbitals && s.orbitalEnergies.every(Number.isFinite),
    'the loaded model (projections from the file) predicts finite levels');
  const bad = runCli(['train', 'hamiltonian', '--data', validationData, '-o', path.join(dir, 'never.npz'), '--pair-order2-density', '2']);
  t.equal(bad.status, 1, 'density components without --pair-order2 fail');
  t.match(bad.stderr, /pairOrder2Density needs pairOrder2 > 0/);
});

t.test('hamd train: usage errors', async (t) => {
  const noData = runCli(['train', 'hamiltonian', '-o', '/tmp/never.npz']);
  t.equal(noData.status, 2, 'missing --data is a usage error');
  t.match(noData.stderr, /--data/);
  const kind = runCli(['train', 'potential', '--data', 'x', '-o', 'y']);
  t.equal(kind.status, 2, 'unknown model kind is a usage error');
  const missing = runCli(['train', 'hamiltonian', '--data', '/nonexistent/train.npz', '-o', '/tmp/never.npz']);
  t.equal(missing.status, 1, 'a missing dataset fails');
  t.match(missing.stderr, /no such file/);
  if (fs.existsSync(trainingData)) {
    const optimizer = runCli(['train', 'hamiltonian', '--data', trainingData, '-o', '/tmp/never.npz', '--optimizer', 'sgd']);
    t.equal(optimizer.status, 2, 'an unknown optimizer is a usage error');
    t.match(optimizer.stderr, /--optimizer: "sgd" is not lbfgs or adam/);
  }
});
