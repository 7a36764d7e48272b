// The CLI's file formats: (extended) XYZ in, .npz out (read back by numpy).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { writeNpz, type NpyData } from '../server/io/npz';
import { parseXyz } from '../server/native/xyz';
import { tempDir } from './helpers/daemon';
import { fixtureFrames } from './helpers/structures';

t.test('extended XYZ: lattice, pbc, extra columns, several frames', async (t) => {
  const frames = fixtureFrames('water-cell.xyz');
  t.equal(frames.length, 2);
  t.same(frames[0].atomicNumbers, [8, 1, 1, 8, 1, 1]);
  t.same(Array.from(frames[0].cell as Float64Array), [4, 0, 0, 0.3, 4.2, 0, 0.1, -0.2, 4.5], 'Lattice rows are a, b, c');
  t.same(frames[0].pbc, [true, true, true]);
  t.same(Array.from(frames[0].positions as Float64Array).slice(3, 6), [0.9, 0.3, 0.25], 'pos column read, forces ignored');
  t.same(frames[1].atomicNumbers, [8, 1, 1]);
});

t.test('plain XYZ: no cell, not periodic', async (t) => {
  const frames = fixtureFrames('molecules.xyz');
  t.equal(frames.length, 2);
  t.same(frames[0].atomicNumbers, [6, 1, 1, 1, 1]);
  t.equal(frames[0].cell, undefined);
  t.same(frames[0].pbc, [false, false, false]);
});

// The comment line's key=value parsing itself is tested with the reader, in
// test/native/test_xyz.cpp; here what reaches TypeScript.
t.test('comment line key=value parsing', async (t) => {
  const frames = parseXyz('2\nLattice="5 0 0 0 5 0 0 0 5" pbc="T F T" Properties=Z:I:1:pos:R:3\n8 0 0 0\n1 1 0 0\n');
  t.same(frames[0].atomicNumbers, [8, 1], 'atomic numbers as the species column');
  t.same(frames[0].pbc, [true, false, true]);
});

t.test('bad XYZ files name the line', async (t) => {
  t.throws(() => parseXyz('2\ncomment\nC 0 0 0\n', 'a.xyz'), /a\.xyz:4: frame of 2 atoms is truncated/);
  t.throws(() => parseXyz('1\ncomment\nQq 0 0 0\n', 'b.xyz'), /b\.xyz:3: "Qq" is not an element/);
  t.throws(() => parseXyz('1\ncomment\nC 0 zero 0\n', 'c.xyz'), /c\.xyz:3: "zero" is not a number/);
  t.throws(() => parseXyz('x\n', 'd.xyz'), /d\.xyz:1: expected the number of atoms/);
  t.throws(() => parseXyz('1\nLattice="1 0 0 0 1 0"\nC 0 0 0\n', 'e.xyz'), /Lattice has 6 numbers/);
  t.throws(() => parseXyz('1\npbc="T T T"\nC 0 0 0\n', 'f.xyz'), /pbc="T T T" but no Lattice/);
});

t.test('npz written by hamd is read by numpy with exact values', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'out.npz');
  const values = Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e-3 + i);
  const arrays = new Map<string, NpyData>([
    ['block_0/values', { dtype: '<f8', shape: [2, 3, 4], values }],
    ['block_0/samples', { dtype: '<i4', shape: [2, 2], values: Int32Array.from([0, 0, 0, -7]) }],
    ['block_0/samples_names', { dtype: 'str', shape: [2], values: ['system', 'atom'] }],
    ['empty', { dtype: '<f8', shape: [0, 5], values: new Float64Array(0) }],
  ]);
  writeNpz(file, arrays);
  const script = `
import numpy as np, sys
f = np.load(sys.argv[1])
assert sorted(f.files) == ['block_0/samples', 'block_0/samples_names', 'block_0/values', 'empty'], f.files
v = f['block_0/values']
assert v.dtype == np.float64 and v.shape == (2, 3, 4)
expected = np.array([np.sin(i) * 1e-3 + i for i in range(24)]).reshape(2, 3, 4)
print(float(np.abs(v - expected).max()))
assert f['block_0/samples'].tolist() == [[0, 0], [0, -7]] and f['block_0/samples'].dtype == np.int32
assert f['block_0/samples_names'].tolist() == ['system', 'atom']
assert f['empty'].shape == (0, 5)
print('OK')
`;
  const result = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /OK/);
  const maxDiff = Number(result.stdout.split('\n')[0]);
  t.ok(maxDiff < 1e-15, `values equal to JS doubles (max diff ${maxDiff})`);
  t.throws(() => writeNpz(path.join(dir, 'bad.npz'), new Map([['x', { dtype: '<f8', shape: [3], values: new Float64Array(2) }]])), /shape \[3\] but 2 values/);
  fs.rmSync(dir, { recursive: true, force: true });
});
