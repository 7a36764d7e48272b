// `hamd train energy`: an energy/force dataset in (written here by numpy, from a pair potential),
// a model file and a report out; usage errors. The model's physics is tested natively
// (test/native/test_model_energy.cpp).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { runCli, tempDir } from './helpers/daemon';

// 30 distorted water molecules; energies and forces of a Morse pair potential (eV, eV/A).
const makeDataset = String.raw`
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

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

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
