// A tiny energy model for tests: 30 distorted water molecules with Morse pair-potential energies
// and forces (eV, eV/A), written by numpy, trained with `hamd train energy` (a few seconds).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Test } from 'tap';
import { runCli } from './daemon';

export const makeDataset = String.raw`
import sys, numpy as np
rng = np.random.default_rng(3)
base = np.array([[0, 0, 0.117], [0, 0.757, -0.467], [0, -0.757, -0.467]])
Z = np.array([8, 1, 1])
def pair(x):
    e, f = 0.0, np.zeros_like(x)
    for i in range(3):
        for j in range(i + 1, 3):
            d = x[j] - x[i]; r = np.linalg.norm(d)
            r0 = 0.96 if Z[i] != Z[j] else 1.5
            m = 1 - np.exp(-2 * (r - r0)); e += 4 * (m * m - 1)
            g = 4 * 2 * m * 2 * np.exp(-2 * (r - r0)) * d / r
            f[i] += g; f[j] -= g
    return e, f
pos, frc, ene = [], [], []
for k in range(30):
    x = base + rng.uniform(-0.1, 0.1, base.shape)
    e, f = pair(x); pos.append(x); frc.append(f); ene.append(e)
S = len(ene)
np.savez(sys.argv[1], format=np.array("hamd-energy-dataset"), format_version=np.array(1, dtype=np.int64),
         provenance=np.array('{"source": "test pair potential"}'), molecule_names=np.array(["water"]),
         structure_molecule=np.zeros(S, dtype=np.int64), atom_offsets=np.arange(0, 3 * S + 1, 3, dtype=np.int64),
         species=np.tile(Z, S).astype(np.int64), positions=np.concatenate(pos), forces=np.concatenate(frc),
         energy=np.array(ene), cell=np.zeros((S, 3, 3)), pbc=np.zeros((S, 3), dtype=np.bool_))
`;

export const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

// Writes the dataset and trains on it; returns DIR/models/water-energy.npz.
export function trainTinyModel(t: Test, dir: string): string {
  const data = path.join(dir, 'water.npz');
  const written = spawnSync('python3', ['-c', makeDataset, data], { encoding: 'utf8' });
  t.equal(written.status, 0, `dataset written ${written.stderr}`);
  const output = path.join(dir, 'models', 'water-energy.npz');
  const run = runCli(['train', 'energy', '--data', data, '-o', output, '--cutoff', '3.5', '--max-radial', '3', '--max-angular', '3', '--seed', '2', '--threads', '1']);
  t.equal(run.status, 0, `exit 0 ${run.status ? run.stderr : ''}`);
  return output;
}
