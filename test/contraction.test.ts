// Fitted correlation contractions through the CLI and the daemon (issue 11): `hamd
// fit-contraction` writes a file the model registry loads; ComputeDescriptors with
// `contraction` gives bitwise what the engine gives in process with the same file; the registry
// lists it apart from the models, and every misuse has its own code. The contraction's maths
// (equivariance, the fit, the round trip of its file) is tested natively (test_correlation).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient, type DescriptorResult } from '../clients/node';
import { packageRoot } from '../server/base/paths';
import type { NativeDescriptorRequest } from '../server/native/types';
import { parseXyz } from '../server/native/xyz';
import { realAddon, runCli, spawnDaemon, tempDir } from './helpers/daemon';
import { water } from './helpers/structures';

const fixture = path.join(packageRoot, 'test', 'fixtures', 'water-cell.xyz');
const hypers = { cutoff: 3.5, max_radial: 3, max_angular: 2 };
const hyperFlags = ['--cutoff', '3.5', '--max-radial', '3', '--max-angular', '2'];
const energyModel = path.join(packageRoot, 'models', 'default-energy.npz');

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

t.test('hamd fit-contraction: usage errors', async (t) => {
  t.equal(runCli(['fit-contraction', fixture, '-o', '/tmp/never.npz']).status, 2, 'missing --correlation-order');
  t.equal(runCli(['fit-contraction', fixture, '--correlation-order', '3']).status, 2, 'missing -o');
  const fraction = runCli(['fit-contraction', fixture, '--correlation-order', '3', '--variance-fraction', '1.5', '-o', '/tmp/never.npz']);
  t.equal(fraction.status, 2, 'variance fraction outside (0, 1]');
  t.match(fraction.stderr, /--variance-fraction: 1.5 is not in \(0, 1\]/);
  const order = runCli(['fit-contraction', fixture, '--correlation-order', '7', '-o', '/tmp/never.npz', ...hyperFlags]);
  t.equal(order.status, 1, 'an order the core refuses');
  t.match(order.stderr, /correlation_order/, 'the core names the option');
  t.notOk(fs.existsSync('/tmp/never.npz'), 'nothing written');
});

t.test('a contraction fitted by the CLI, served by the daemon, equal to the engine in process', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'water-nu3.npz');
  const fit = runCli(['fit-contraction', fixture, '--correlation-order', '3', '--max-components', '4', '--threads', '1', '-o', file, ...hyperFlags]);
  t.equal(fit.status, 0, `fitted ${fit.stderr}`);
  t.match(fit.stderr, /contraction of nu = 3 fitted on 2 structures \(\d+ atoms\) .*components kept -> .*crc32:[0-9a-f]{8}/, 'a summary line');

  const corrupt = path.join(dir, 'corrupt.npz');
  const bytes = fs.readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;  // inside a transform's data
  fs.writeFileSync(corrupt, bytes);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--no-models',
    '--model', `nu3=${file}`, '--model', `energy=${energyModel}`, '--model', `broken=${corrupt}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  const models = await client.listModels();
  const listed = models.find((m) => m.name === 'nu3')!;
  t.match(listed, { kind: 'correlation-contraction', state: 'ready', isDefault: false }, 'ListModels: its own kind, never a default');
  t.same([...listed.species], [1, 8], 'the species it was fitted with');
  t.same([...listed.outputs], [], 'no Predict outputs');
  t.match(listed.metadata, { max_radial: 3, max_angular: 2, correlation_order: 3, max_components: 4 }, 'what requests must match');
  t.match(models.find((m) => m.name === 'broken'), { state: 'failed', error: /corrupt/ }, 'a corrupt file is refused, the daemon serves on');
  const capabilities = (await client.info()).capabilities;
  t.ok(capabilities.includes('descriptors/contraction'), 'capability descriptors/contraction');
  t.notOk(capabilities.some((c) => c === 'predict/correlation-contraction'), 'not a Predict capability');

  // Through the daemon and in process, the same file: bitwise the same blocks.
  const frames = parseXyz(fs.readFileSync(fixture, 'utf8'), fixture);
  const got = await client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers, contraction: 'nu3' });
  const engine = realAddon().createEngine(1);
  t.teardown(() => engine.close());
  const request: NativeDescriptorRequest = {
    systems: frames.map((f) => ({ types: Int32Array.from(f.atomicNumbers), positions: f.positions, cell: f.cell ?? new Float64Array(9), pbc: f.pbc })),
    kind: 'correlation', hypers, species: new Int32Array(0), maxLambda: -1, correlationOrder: 3, gradients: [], maxOutputBytes: 0,
    contraction: engine.loadModel(file),
  };
  const want = await engine.computeDescriptors(request);
  t.equal(got.blocks.length, want.blocks.length, 'block count');
  t.ok(got.blocks.every((b, i) => sameBits(b.values, want.blocks[i].values) && sameBits(b.properties.values, want.blocks[i].properties.values)),
    'every block bitwise equal to the engine with the loaded contraction');
  const plain: DescriptorResult = await client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers });
  t.not(got.blocks[0].properties.count, plain.blocks[0].properties.count, 'the contraction changed the properties (it was applied)');
  t.equal(got.blocks[0].properties.names[0], 'pc_2', 'properties: the principal components of level 2');
  t.notOk(plain.blocks[0].properties.names.includes('pc_2'), 'no principal components without the contraction');

  const code = async (promise: Promise<unknown>, expected: status, pattern: RegExp, label: string) => {
    const error = await promise.then(() => undefined, (e: { code?: number; details?: string }) => e);
    t.equal(error?.code, expected, `${label}: ${status[expected]}`);
    t.match(error?.details ?? '', pattern, `${label}: message`);
  };
  await code(client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers, contraction: 'absent' }),
    status.NOT_FOUND, /contraction "absent" is not loaded/, 'an unknown name');
  await code(client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers, contraction: 'energy' }),
    status.INVALID_ARGUMENT, /"energy" is a energy model, not a correlation-contraction/, 'a model of another kind');
  await code(client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers, contraction: 'no/such' }),
    status.INVALID_ARGUMENT, /not a valid model name/, 'a malformed name');
  await code(client.computeDescriptors(frames, { kind: 'power-spectrum', hypers, contraction: 'nu3' }),
    status.INVALID_ARGUMENT, /only for kind "correlation"/, 'another descriptor kind');
  await code(client.computeDescriptors(frames, { kind: 'correlation', correlationOrder: 3, hypers: { ...hypers, max_radial: 4 }, contraction: 'nu3' }),
    status.INVALID_ARGUMENT, /fitted for other species or max_radial\/max_angular/, 'other hypers');
  await code(client.predict([water], { model: 'nu3' }),
    status.INVALID_ARGUMENT, /"nu3" is a correlation-contraction, which ComputeDescriptors takes/, 'Predict refuses it');
  await code(client.session({ atomicNumbers: [8, 1, 1], model: 'nu3' }).then((s) => s.step(Float64Array.from([0, 0, 0.12, 0, 0.76, -0.47, 0, -0.76, -0.47]))),
    status.INVALID_ARGUMENT, /is a correlation-contraction/, 'a session refuses it');
});
