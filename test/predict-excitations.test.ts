// Which levels a prediction vouches for (valid_orbitals, withheld LUMO and gap) and the sTDA
// excitations on the predicted orbitals, through a real daemon with the shipped default model:
// invariance under rotation, translation and atom order, the n_states contract, units, the
// share of each state on valid orbitals, and the errors (bad n_states, a window too large).
// The sTDA numbers themselves are checked against the independent Python reference
// (tools/stda_reference.py) in test/python/test_predict_excitations.py.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import type { StructureInput } from '../clients/node';
import { packageRoot } from '../server/base/paths';
import { realAddon } from './helpers/daemon';
import { expectCode, serveModels } from './helpers/model-daemon';
import { water } from './helpers/structures';

const HARTREE_EV = 27.211386245988;
const modelFile = path.join(packageRoot, 'models', 'default-hamiltonian.npz');

// s-trans-butadiene (planar, MP2-like geometry): a conjugated molecule whose LUMO (pi*) the
// model was trained on.
const butadiene: StructureInput = {
  atomicNumbers: [6, 6, 6, 6, 1, 1, 1, 1, 1, 1],
  positions: [
    [-1.8067, -0.4466, 0], [-0.6215, 0.1861, 0], [0.6215, -0.1861, 0], [1.8067, 0.4466, 0], [-2.7486, 0.0902, 0],
    [-1.8630, -1.5318, 0], [-0.5961, 1.2741, 0], [0.5961, -1.2741, 0], [2.7486, -0.0902, 0], [1.8630, 1.5318, 0],
  ],
};
const formaldehyde: StructureInput = {
  atomicNumbers: [8, 6, 1, 1],
  positions: [[0, 0, 0.683501], [0, 0, -0.536614], [0, 0.934390, -1.124164], [0, -0.934390, -1.124164]],
};

// A planar all-trans polyene C_nH_(n+2): zig-zag carbons 1.40 A apart at 120 degrees, one H per
// inner carbon and two per end carbon, 1.09 A out along the bisectors.
function polyene(carbons: number): StructureInput {
  const atomicNumbers: number[] = [];
  const positions: number[][] = [];
  const c: number[][] = [];
  for (let k = 0; k < carbons; k++) c.push([k * 1.40 * Math.cos(Math.PI / 6), (k % 2) * 1.40 * Math.sin(Math.PI / 6), 0]);
  for (const p of c) { atomicNumbers.push(6); positions.push(p); }
  for (let k = 0; k < carbons; k++) {
    const out = k % 2 === 0 ? -1 : 1;  // away from the chain
    atomicNumbers.push(1);
    positions.push([c[k][0], c[k][1] + out * 1.09, 0]);
  }
  atomicNumbers.push(1, 1);
  positions.push([c[0][0] - 0.944, c[0][1] + 0.545, 0], [c[carbons - 1][0] + 0.944, c[carbons - 1][1] + (carbons % 2 === 0 ? -0.545 : 0.545), 0]);
  return { atomicNumbers, positions };
}

function rotateTranslate(s: StructureInput, angles: [number, number, number], shift: [number, number, number]): StructureInput {
  const [a, b, g] = angles;
  const rz = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
  const ry = [[Math.cos(b), 0, Math.sin(b)], [0, 1, 0], [-Math.sin(b), 0, Math.cos(b)]];
  const rx = [[1, 0, 0], [0, Math.cos(g), -Math.sin(g)], [0, Math.sin(g), Math.cos(g)]];
  const mul = (m: number[][], v: number[]) => m.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
  const positions = (s.positions as number[][]).map((p) => mul(rz, mul(ry, mul(rx, p))).map((x, d) => x + shift[d]));
  return { atomicNumbers: s.atomicNumbers, positions };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

t.test('valid orbitals and sTDA excitations through the daemon', { skip: fs.existsSync(modelFile) ? false : 'models/default-hamiltonian.npz is missing' }, async (t) => {
  const { client: c } = await serveModels(t, { 'default-hamiltonian': modelFile });
  const excitations = ['excitation_energies', 'oscillator_strengths', 'valid_orbitals', 'orbital_energies', 'homo', 'lumo', 'gap'] as const;

  await t.test('a conjugated molecule: valid LUMO, well-formed excitations', async (t) => {
    const [s] = (await c.predict([butadiene], { outputs: [...excitations], nStates: 4 })).structures;
    const occupied = s.nElectrons / 2;
    t.equal(s.validOrbitals?.[occupied], true, 'butadiene: the LUMO (pi*) is valid');
    t.equal(s.lumo, s.orbitalEnergies![occupied], 'its LUMO is given');
    t.equal(s.excitationEnergies?.length, 4, 'n_states = 4: four states');
    t.equal(s.oscillatorStrengths?.length, 4, 'and four oscillator strengths');
    t.equal(s.excitationValidWeight?.length, 4, 'and four valid weights');
    const e = Array.from(s.excitationEnergies!);
    t.ok(e.every((v, k) => v > 0 && (k === 0 || v >= e[k - 1])), `energies positive and ascending: ${e.map((v) => (v * HARTREE_EV).toFixed(3)).join(', ')} eV`);
    t.ok(Array.from(s.oscillatorStrengths!).every((f) => f >= 0), 'oscillator strengths are non-negative');
    const bright = Math.max(...Array.from(s.oscillatorStrengths!));
    t.ok(bright > 0.5, `the pi -> pi* state is bright (largest f = ${bright.toFixed(3)})`);
    t.ok(Array.from(s.excitationValidWeight!).every((w) => w >= 0 && w <= 1 + 1e-12), 'valid weights lie in [0, 1]');
    t.ok(s.excitationValidWeight![0] > 0.9, `the lowest state is a HOMO-region -> LUMO excitation (weight ${s.excitationValidWeight![0].toFixed(3)})`);
  });

  await t.test('a saturated molecule: LUMO and gap withheld, excitations flagged', async (t) => {
    const [s] = (await c.predict([water], { outputs: [...excitations], nStates: 3 })).structures;
    const occupied = s.nElectrons / 2;
    t.same(s.validOrbitals, [true, true, true, true, true, false, false], 'water: occupied valid, sigma* LUMO not');
    t.equal(s.homo, s.orbitalEnergies![occupied - 1], 'HOMO given');
    t.ok(s.lumo === undefined && s.gap === undefined, 'LUMO and gap withheld');
    t.match(s.warnings[0], /structure 0: lumo and gap withheld: the predicted LUMO \(\d+\.\d+ eV\) lies above the model's validity threshold/, 'warning: why');
    t.same(Array.from(s.excitationValidWeight!), [0, 0, 0], 'no state rests on valid orbitals');
    t.match(s.warnings.join('\n'), /the excitations at indices 0, 1, 2 of excitation_energies lie mostly .* on orbitals the model was not trained to reproduce/, 'warning: excitations');
  });

  await t.test('invariant under rotation, translation and atom order', async (t) => {
    const base = (await c.predict([formaldehyde, butadiene], { outputs: ['excitation_energies', 'oscillator_strengths'], nStates: 6 })).structures;
    const moved = [rotateTranslate(formaldehyde, [0.3, -1.1, 2.0], [1.5, -0.7, 3.2]), rotateTranslate(butadiene, [2.2, 0.4, -0.9], [-4, 2, 0.5])];
    const order = [3, 1, 0, 2];  // formaldehyde with its atoms permuted
    const permuted: StructureInput = {
      atomicNumbers: order.map((k) => formaldehyde.atomicNumbers[k] as number),
      positions: order.map((k) => (formaldehyde.positions as number[][])[k]),
    };
    const got = (await c.predict([...moved, permuted], { outputs: ['excitation_energies', 'oscillator_strengths'], nStates: 6 })).structures;
    // Rounding: F' entries change by ~1e-15 Eh under the rotation; the sTDA matrix elements are
    // O(1) Eh products of O(1) charges and kernels, so eigenvalues move by ~1e-13 Eh and
    // oscillator strengths (f = 2/3 w |mu|^2, |mu| ~ 1) by ~1e-12. 1e-9 allows for near-degenerate
    // pairs, whose individual eigenvectors are ill-defined but whose f sum is not used here.
    const pairs: Array<[number, number, string]> = [[0, 0, 'formaldehyde rotated + translated'], [1, 1, 'butadiene rotated + translated'], [0, 2, 'formaldehyde atoms permuted']];
    for (const [b, g, label] of pairs) {
      t.ok(maxDifference(base[b].excitationEnergies!, got[g].excitationEnergies!) < 1e-9, `${label}: same excitation energies`);
      const fb = Array.from(base[b].oscillatorStrengths!), fg = Array.from(got[g].oscillatorStrengths!);
      t.ok(maxDifference(fb, fg) < 1e-8, `${label}: same oscillator strengths (max difference ${maxDifference(fb, fg).toExponential(1)})`);
    }
  });

  await t.test('units and the outputs asked', async (t) => {
    const hartree = (await c.predict([formaldehyde], { outputs: ['excitation_energies'] })).structures[0];
    const ev = (await c.predict([formaldehyde], { outputs: ['excitation_energies'], units: 'ev' })).structures[0];
    t.equal(hartree.excitationEnergies?.length, 5, 'n_states unset: 5 states');
    t.ok(maxDifference(Array.from(hartree.excitationEnergies!).map((v) => v * HARTREE_EV), ev.excitationEnergies!) < 1e-12, 'eV = Hartree x 27.2114');
    t.equal(hartree.oscillatorStrengths, undefined, 'oscillator strengths only when asked');
    t.ok(hartree.excitationValidWeight, 'the valid weights come with any excitation output');
    t.equal(hartree.validOrbitals, undefined, 'valid_orbitals only when asked');
    const f = (await c.predict([formaldehyde], { outputs: ['oscillator_strengths'], nStates: 2 })).structures[0];
    t.ok(f.oscillatorStrengths?.length === 2 && f.excitationEnergies === undefined, 'oscillator strengths alone');
    const few = (await c.predict([{ atomicNumbers: [1, 1], positions: [[0, 0, 0], [0, 0, 0.74]] }], { outputs: ['excitation_energies'], nStates: 3 })).structures[0];
    t.equal(few.excitationEnergies?.length, 1, 'H2 in a minimal basis has one singlet configuration');
    t.match(few.warnings.join('\n'), /only 1 singlet states exist/, 'and a warning says fewer states than asked');
  });

  await t.test('errors', async (t) => {
    await expectCode(t, c.predict([butadiene], { outputs: ['excitation_energies'], nStates: 51 }), status.INVALID_ARGUMENT, /n_states must be in 0\.\.50 \(0: 5\), not 51/, 'n_states above 50');
    await expectCode(t, c.predict([butadiene], { outputs: ['excitation_energies'], nStates: -1 }), status.INVALID_ARGUMENT, /n_states must be in 0\.\.50 \(0: 5\), not -1/, 'negative n_states');
    await expectCode(t, c.predict([water], { outputs: ['excitation_energies'], charge: 1 }), status.INVALID_ARGUMENT, /9 electrons/, 'an open shell has no closed-shell sTDA');
    const big = polyene(40);
    await expectCode(t, c.predict([big], { outputs: ['excitation_energies'] }), status.RESOURCE_EXHAUSTED, /orbital window holds \d+ occupied x \d+ virtual orbitals/, 'a window over 4000 configurations');
    t.ok((await c.predict([butadiene], { outputs: ['excitation_energies'] })).structures[0].excitationEnergies, 'the daemon keeps serving');
  });
});

// The addon's own refusal, in process (no daemon limits in the way).
t.test('the addon refuses an sTDA window above its configuration limit', { skip: fs.existsSync(modelFile) ? false : 'no model' }, async (t) => {
  const engine = realAddon().createEngine(1);
  t.teardown(() => engine.close());
  const handle = engine.loadHamiltonianModel(modelFile);
  const big = polyene(40);
  const system = {
    types: Int32Array.from(big.atomicNumbers as number[]), positions: Float64Array.from((big.positions as number[][]).flat()),
    cell: new Float64Array(9), pbc: [false, false, false] as [boolean, boolean, boolean],
  };
  try {
    await handle.predict({ systems: [system], outputs: ['excitation_energies'], units: 'hartree', order: 'hamd' });
    t.fail('expected RESOURCE_EXHAUSTED');
  } catch (error) {
    const e = error as { code?: string; message?: string };
    t.equal(e.code, 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED');
    t.match(e.message ?? '', /structure 0: stda: the orbital window holds .* above the limit of 4000/, 'names the structure and the limit');
  }
});
