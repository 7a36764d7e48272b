// The `hamd` command: descriptors from an XYZ file to an .npz numpy reads (values
// bitwise equal to the Node client's), info, help, and starting a daemon on demand.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { HamdClient } from '../clients/node';
import { packageRoot } from '../server/base/paths';
import { runCliAsync, spawnDaemon, tempDir, type DaemonProcess } from './helpers/daemon';
import { fixtureFrames } from './helpers/structures';

const fixture = (name: string) => path.join(packageRoot, 'test', 'fixtures', name);
const hyperFlags = ['--cutoff', '4', '--max-radial', '3', '--max-angular', '3'];
const hypers = { cutoff: 4, max_radial: 3, max_angular: 3 };

function envWithout(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.HAMD_ADDRESS;
  return env;
}

let dir: string;
let daemon: DaemonProcess;

t.before(async () => {
  dir = tempDir();
  daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2']);
});

t.teardown(async () => {
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (a: Float64Array | Int32Array) => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

t.test('hamd --help and --version', async (t) => {
  const help = await runCliAsync(['--help']);
  t.equal(help.code, 0);
  for (const word of ['hamd serve', 'hamd descriptors', 'hamd info', '--kind', '--gradients', '--listen']) t.match(help.stdout, word);
  const version = await runCliAsync(['--version']);
  t.match(version.stdout, /^\d+\.\d+\.\d+/);
  const unknown = await runCliAsync(['frobnicate']);
  t.equal(unknown.code, 2);
});

t.test('hamd info prints ServerInfo as JSON', async (t) => {
  const run = await runCliAsync(['info', '--address', daemon.address]);
  t.equal(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  t.equal(info.api_version, 'hamd.v1');
  t.equal(info.threads, 2);
  t.ok(info.limits.max_atoms_per_request > 0);
});

t.test('hamd descriptors writes an npz numpy reads, equal to the Node client result', async (t) => {
  const out = path.join(dir, 'water.npz');
  const run = await runCliAsync(['descriptors', fixture('water-cell.xyz'), '--kind', 'power-spectrum', ...hyperFlags,
    '--gradients', 'positions,cell', '-o', out, '--address', daemon.address]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /2 structures, 9 atoms/);

  const client = await HamdClient.connect(daemon.address);
  const expected = await client.computeDescriptors(fixtureFrames('water-cell.xyz'), { kind: 'power-spectrum', hypers, gradients: ['positions', 'cell'] });
  client.close();

  const script = `
import hashlib, json, sys
import numpy as np
f = np.load(sys.argv[1])
out = {'keys_names': f['keys_names'].tolist(), 'keys': f['keys'].tolist(), 'blocks': []}
i = 0
while f'block_{i}/values' in f.files:
    b = f'block_{i}'
    v = f[b + '/values']
    assert v.dtype == np.float64 and f[b + '/samples'].dtype == np.int32
    assert f[b + '/samples'].shape == (v.shape[0], 2) and f[b + '/samples_names'].tolist() == ['system', 'atom']
    assert f[b + '/properties'].shape[0] == v.shape[-1]
    g = f[b + '/gradient_positions/values']
    assert g.shape[0] == f[b + '/gradient_positions/samples'].shape[0] and g.shape[1] == 3
    c = f[b + '/gradient_cell/values']
    assert c.shape[1:3] == (3, 3)
    out['blocks'].append({'shape': list(v.shape), 'sha': hashlib.sha256(v.tobytes()).hexdigest(),
                          'gradient_sha': hashlib.sha256(g.tobytes()).hexdigest(),
                          'cell_sha': hashlib.sha256(c.tobytes()).hexdigest(),
                          'properties_names': f[b + '/properties_names'].tolist()})
    i += 1
print(json.dumps(out))
`;
  const py = spawnSync('python3', ['-c', script, out], { encoding: 'utf8' });
  t.equal(py.status, 0, py.stderr);
  const read = JSON.parse(py.stdout);
  t.same(read.keys_names, expected.keys.names, 'keys_names');
  t.equal(read.blocks.length, expected.blocks.length, 'one group of arrays per block');
  t.same(read.blocks.map((b: { shape: number[] }) => b.shape), expected.blocks.map((b) => b.shape), 'shapes');
  t.same(read.blocks.map((b: { sha: string }) => b.sha), expected.blocks.map((b) => sha(b.values)), 'values bitwise equal');
  t.same(read.blocks.map((b: { gradient_sha: string }) => b.gradient_sha),
    expected.blocks.map((b) => sha(b.gradients.find((g) => g.parameter === 'positions')!.values)), 'position gradients bitwise equal');
  t.same(read.blocks.map((b: { cell_sha: string }) => b.cell_sha),
    expected.blocks.map((b) => sha(b.gradients.find((g) => g.parameter === 'cell')!.values)), 'cell gradients bitwise equal');
  t.same(read.blocks[0].properties_names, expected.blocks[0].properties.names);
});

t.test('hamd descriptors: plain XYZ, every kind', async (t) => {
  for (const kind of ['spherical-expansion', 'power-spectrum', 'lambda-soap', 'bispectrum', 'correlation', 'lode-spherical-expansion', 'multi-scale']) {
    const out = path.join(dir, `${kind}.npz`);
    const run = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', kind, ...hyperFlags, '-o', out, '--address', daemon.address]);
    t.equal(run.code, 0, `${kind}: ${run.stderr}`);
    const py = spawnSync('python3', ['-c', 'import numpy, sys; f = numpy.load(sys.argv[1]); print(len([k for k in f.files if k.endswith("/values")]))', out], { encoding: 'utf8' });
    t.ok(Number(py.stdout) > 0, `${kind}: numpy reads ${py.stdout.trim()} blocks`);
  }
});

t.test('hamd descriptors: errors are reported with the daemon message, exit 1', async (t) => {
  const run = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'trispectrum', '-o', path.join(dir, 'x.npz'), '--address', daemon.address]);
  t.equal(run.code, 1);
  t.match(run.stderr, /kind: "trispectrum" is not one of/);
  const hyper = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum', '--cutoff', '-1', '-o', path.join(dir, 'x.npz'), '--address', daemon.address]);
  t.equal(hyper.code, 1);
  t.match(hyper.stderr, /hypers\.cutoff = -1/);
  const missing = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum']);
  t.equal(missing.code, 2, 'usage error without -o');
  t.notOk(fs.existsSync(path.join(dir, 'x.npz')), 'no output written on error');
});

t.test('without a running daemon: --no-autostart fails; otherwise one is started and reused', async (t) => {
  const runtime = tempDir('hamd-rt-');
  const env = envWithout({ XDG_RUNTIME_DIR: runtime });
  const socket = path.join(runtime, 'hamd', 'hamd.sock');
  const out = path.join(runtime, 'out.npz');
  t.teardown(() => { // a failed assertion must not leak the background daemon
    try { process.kill(Number(fs.readFileSync(path.join(runtime, 'hamd', 'hamd.pid'), 'utf8')), 'SIGKILL'); } catch { /* stopped already */ }
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  const refused = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum', '-o', out, '--no-autostart'], env);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /no hamd daemon answers at unix:/);

  const first = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum', ...hyperFlags, '-o', out], env);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stderr, /started hamd daemon \(pid \d+\)/);
  t.ok(fs.statSync(socket).isSocket(), 'daemon listens on the default socket');
  t.equal(fs.statSync(path.dirname(socket)).mode & 0o777, 0o700);
  const pid = Number(fs.readFileSync(path.join(runtime, 'hamd', 'hamd.pid'), 'utf8'));
  t.ok(pid > 0, 'pid file written');
  const log = fs.readFileSync(path.join(runtime, 'hamd', 'hamd.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.ok(log.some((l) => l.event === 'listening'), 'daemon logs JSON to hamd.log');

  const second = await runCliAsync(['descriptors', fixture('molecules.xyz'), '--kind', 'power-spectrum', ...hyperFlags, '-o', out], env);
  t.equal(second.code, 0, second.stderr);
  t.notMatch(second.stderr, /started hamd daemon/, 'second run reuses the daemon');

  const stopped = await runCliAsync(['stop'], env);
  t.equal(stopped.code, 0, `hamd stop: exit 0 ${stopped.stderr}`);
  t.match(stopped.stderr, new RegExp(`stopped the daemon \\(pid ${pid}\\)`), 'hamd stop names the daemon it stopped');
  t.notOk(fs.existsSync(socket), 'the stopped daemon removed its socket');
  t.notOk(fs.existsSync(path.join(runtime, 'hamd', 'hamd.pid')), 'and its pid file');
  const again = await runCliAsync(['stop'], env);
  t.equal(again.code, 1, 'hamd stop with no daemon: exit 1');
  t.match(again.stderr, /no .*hamd\.pid/, 'and says there is none');
});
