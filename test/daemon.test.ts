// The daemon as users run it (a child process on a private socket), through the Node
// client: health, server info, bitwise agreement with the addon, bad input -> exact
// gRPC codes while the daemon keeps serving, limits, concurrency.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { HamdClient, toStructureMessage, type DescriptorResult, type StructureInput } from '../clients/node';
import type { NativeDescriptorRequest } from '../server/native/addon';
import type { ComputeDescriptorsRequest, Structure, Structure__Output } from '../server/wire/types';
import { realAddon, spawnDaemon, tempDir, type DaemonProcess } from './helpers/daemon';
import { fixtureFrames, methane, water } from './helpers/structures';

const small = { cutoff: 4, cutoff_width: 0.5, max_radial: 3, max_angular: 3, density_width: 0.3, center_atom_weight: 1 };

let dir: string;
let daemon: DaemonProcess;
let client: HamdClient;

t.before(async () => {
  dir = tempDir();
  daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--max-atoms', '2000', '--max-structures', '50']);
  client = await HamdClient.connect(daemon.address);
});

t.teardown(async () => {
  client?.close();
  await daemon?.stop('SIGKILL'); // normally stopped by the last test already
  fs.rmSync(dir, { recursive: true, force: true });
});

function sameBits(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

interface LabelsLike { names: string[]; values: Int32Array }
interface ResultLike {
  keys: LabelsLike;
  blocks: Array<{ samples: LabelsLike; properties: LabelsLike; values: Float64Array; shape: number[]; gradients: Array<{ parameter: string; samples: LabelsLike; values: Float64Array }> }>;
}

function assertSameResult(t: Test, got: DescriptorResult, want: ResultLike, label: string): void {
  t.same(got.keys.names, want.keys.names, `${label}: key names`);
  t.ok(sameBits(got.keys.values, want.keys.values), `${label}: keys`);
  t.equal(got.blocks.length, want.blocks.length, `${label}: block count`);
  let bitwise = true;
  got.blocks.forEach((block, i) => {
    const other = want.blocks[i];
    bitwise &&= sameBits(block.values, other.values) && sameBits(block.samples.values, other.samples.values) && sameBits(block.properties.values, other.properties.values);
    bitwise &&= JSON.stringify(block.shape) === JSON.stringify(other.shape);
    bitwise &&= block.gradients.length === other.gradients.length;
    block.gradients.forEach((g, k) => {
      bitwise &&= g.parameter === other.gradients[k].parameter && sameBits(g.values, other.gradients[k].values) && sameBits(g.samples.values, other.gradients[k].samples.values);
    });
  });
  t.ok(bitwise, `${label}: every block, label and gradient bitwise equal`);
}

t.test('health is SERVING', async (t) => {
  t.equal(await client.healthStatus(''), 'SERVING');
  t.equal(await client.healthStatus('hamd.v1.Hamd'), 'SERVING');
});

t.test('HamdClient.connect() without an address honours HAMD_ADDRESS', async (t) => {
  const saved = process.env.HAMD_ADDRESS;
  process.env.HAMD_ADDRESS = daemon.address;
  t.teardown(() => { if (saved === undefined) delete process.env.HAMD_ADDRESS; else process.env.HAMD_ADDRESS = saved; });
  const viaEnv = await HamdClient.connect();
  t.equal(viaEnv.address, daemon.address);
  t.equal(await viaEnv.healthStatus(), 'SERVING');
  viaEnv.close();
  process.env.HAMD_ADDRESS = `unix:${path.join(dir, 'nobody-here.sock')}`;
  await t.rejects(HamdClient.connect(undefined, { timeoutMs: 300 }), { code: status.UNAVAILABLE }, 'no daemon there: UNAVAILABLE');
});

t.test('server info: version, kinds, threads, limits', async (t) => {
  const info = await client.info();
  t.equal(info.api_version, 'hamd.v1');
  t.match(info.version, /^\d+\.\d+\.\d+/);
  t.same(info.descriptor_kinds, ['spherical-expansion', 'power-spectrum', 'lambda-soap', 'bispectrum', 'correlation', 'triplet', 'lode-spherical-expansion', 'multi-scale', 'pair-features', 'message-passing']);
  t.ok(info.capabilities.includes('gradients/positions'));
  t.equal(info.threads, 2);
  t.equal(info.limits?.max_atoms_per_request, 2000);
  t.equal(info.limits?.max_structures_per_request, 50);
  t.equal(info.limits?.max_message_bytes, 64 * 1024 * 1024);
  t.equal(info.limits?.max_response_bytes, 512 * 1024 * 1024);
  t.ok((info.limits?.max_output_bytes ?? 0) > 0);
  t.ok((info.addon_build ?? '').length > 0);
});

t.test('ComputeDescriptors through the daemon equals a direct addon call, bitwise', async (t) => {
  const addon = realAddon();
  const engine = addon.createEngine(1);
  t.teardown(() => engine.close());
  const cases: Array<{ label: string; structures: StructureInput[]; kind: string; gradients: Array<'positions' | 'cell'>; maxLambda?: number }> = [
    { label: 'power spectrum, molecules, position gradients', structures: [water, methane], kind: 'power-spectrum', gradients: ['positions'] },
    { label: 'spherical expansion, periodic', structures: fixtureFrames('water-cell.xyz'), kind: 'spherical-expansion', gradients: [] },
    { label: 'lambda-soap', structures: [methane], kind: 'lambda-soap', gradients: [], maxLambda: 2 },
    { label: 'bispectrum', structures: [water], kind: 'bispectrum', gradients: [] },
    // not per atom: pair samples (system, first_atom, second_atom, cell shift) and 2-cutoff gradient samples
    { label: 'pair features, periodic, position gradients', structures: fixtureFrames('water-cell.xyz'), kind: 'pair-features', gradients: ['positions', 'cell'], maxLambda: 1 },
    { label: 'message passing, molecules, position gradients', structures: [water, methane], kind: 'message-passing', gradients: ['positions'], maxLambda: 1 },
  ];
  for (const c of cases) {
    const got = await client.computeDescriptors(c.structures, { kind: c.kind as 'power-spectrum', hypers: small, gradients: c.gradients, maxLambda: c.maxLambda });
    const request: NativeDescriptorRequest = {
      systems: c.structures.map((s, i) => {
        const m = toStructureMessage(s, i) as Structure__Output; // as the daemon receives it
        return {
          types: Int32Array.from(m.atomic_numbers),
          positions: new Float64Array(Uint8Array.from(m.positions!.data!).buffer),
          cell: m.cell ? new Float64Array(Uint8Array.from(m.cell.data!).buffer) : new Float64Array(9),
          pbc: (m.pbc.length === 3 ? m.pbc : [false, false, false]) as [boolean, boolean, boolean],
        };
      }),
      kind: c.kind, hypers: small, species: new Int32Array(0), maxLambda: c.maxLambda ?? -1, gradients: c.gradients, maxOutputBytes: 0,
    };
    const want = await engine.computeDescriptors(request);
    t.ok(got.blocks.length > 0, `${c.label}: some blocks`);
    assertSameResult(t, got, want, c.label);
    if (c.gradients.includes('positions')) t.ok(got.blocks.every((b) => b.gradients.some((g) => g.parameter === 'positions')), `${c.label}: position gradients present`);
    if (c.kind === 'pair-features') {
      t.same(got.blocks[0].samples.names, ['system', 'first_atom', 'second_atom', 'cell_shift_a', 'cell_shift_b', 'cell_shift_c'], 'pair samples decoded by name');
      t.ok(got.blocks.some((b) => b.samples.values.length > 0), 'pair features: some pairs');
    }
  }
});

// A request message with one field spoiled, and the code it must get.
function goodMessage(structure: StructureInput = water): ComputeDescriptorsRequest {
  return { structures: [toStructureMessage(structure)], kind: 'power-spectrum', hypers: small, species: [], gradients: [] };
}

function withStructure(edit: (s: Structure) => void, base: StructureInput = water): ComputeDescriptorsRequest {
  const message = goodMessage(base);
  edit(message.structures![0]);
  return message;
}

const f64 = (values: number[], shape: number[]) => ({ dtype: '<f8', shape, data: Buffer.from(Float64Array.from(values).buffer) });
const periodicWater: StructureInput = { ...water, cell: [5, 0, 0, 0, 5, 0, 0, 0, 5], pbc: [true, true, true] };

const badInputs: Array<{ name: string; message: () => ComputeDescriptorsRequest; code: status; details: RegExp }> = [
  { name: 'NaN position', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.positions\[1\]\[2\] is NaN/,
    message: () => withStructure((s) => { s.positions = f64([0, 0, 0.117, 0, 0.757, NaN, 0, -0.757, -0.467], [3, 3]); }) },
  { name: 'Inf in the cell', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.cell\[2\]\[2\] is Infinity/,
    message: () => withStructure((s) => { s.cell = f64([5, 0, 0, 0, 5, 0, 0, 0, Infinity], [3, 3]); }, periodicWater) },
  { name: 'positions for more atoms than atomic numbers', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.positions: shape \[3, 3\] but 2 atomic numbers/,
    message: () => withStructure((s) => { s.atomic_numbers = [8, 1]; }) },
  { name: 'bytes shorter than the shape', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.positions: 64 bytes but shape \[3, 3\] of <f8 needs 72/,
    message: () => withStructure((s) => { s.positions = { dtype: '<f8', shape: [3, 3], data: Buffer.alloc(64) }; }) },
  { name: 'wrong dtype (float32 positions)', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.positions: dtype "<f4" but expected "<f8"/,
    message: () => withStructure((s) => { s.positions = { dtype: '<f4', shape: [3, 3], data: Buffer.from(new Float32Array(9).buffer) }; }) },
  { name: 'cell of shape [9]', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.cell: shape \[9\] but expected \[3, 3\]/,
    message: () => withStructure((s) => { s.cell = f64([5, 0, 0, 0, 5, 0, 0, 0, 5], [9]); }, periodicWater) },
  { name: 'pbc of length 2', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.pbc: 2 values but expected 0 or 3/,
    message: () => withStructure((s) => { s.pbc = [true, true]; }, periodicWater) },
  { name: 'atomic number 0', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.atomic_numbers\[1\]: atomic number 0 is not an element/,
    message: () => withStructure((s) => { s.atomic_numbers = [8, 0, 1]; }) },
  { name: 'atomic number 200', code: status.INVALID_ARGUMENT, details: /structures\[0\]\.atomic_numbers\[2\]: atomic number 200 is not an element/,
    message: () => withStructure((s) => { s.atomic_numbers = [8, 1, 200]; }) },
  { name: 'singular cell', code: status.INVALID_ARGUMENT, details: /singular|degenerate|volume/i,
    message: () => withStructure((s) => { s.cell = f64([5, 0, 0, 0, 5, 0, 5, 5, 0], [3, 3]); }, periodicWater) },
  { name: 'cutoff -1', code: status.INVALID_ARGUMENT, details: /hypers\.cutoff = -1/,
    message: () => ({ ...goodMessage(), hypers: { ...small, cutoff: -1 } }) },
  { name: 'max_angular 99', code: status.INVALID_ARGUMENT, details: /hypers\.max_angular = 99/,
    message: () => ({ ...goodMessage(), hypers: { ...small, max_angular: 99 } }) },
  { name: 'density_width 0', code: status.INVALID_ARGUMENT, details: /hypers\.density_width = 0/,
    message: () => ({ ...goodMessage(), hypers: { ...small, density_width: 0 } }) },
  { name: 'max_radial -3', code: status.INVALID_ARGUMENT, details: /hypers\.max_radial = -3/,
    message: () => ({ ...goodMessage(), hypers: { ...small, max_radial: -3 } }) },
  { name: 'unknown kind', code: status.INVALID_ARGUMENT, details: /kind: "trispectrum" is not one of/,
    message: () => ({ ...goodMessage(), kind: 'trispectrum' }) },
  { name: 'potential_exponent for power-spectrum', code: status.INVALID_ARGUMENT, details: /potential_exponent: not an option of kind "power-spectrum" \(kinds that take it: /,
    message: () => ({ ...goodMessage(), potential_exponent: 1 }) },
  { name: 'correlation_order for power-spectrum', code: status.INVALID_ARGUMENT, details: /correlation_order: not an option of kind "power-spectrum"/,
    message: () => ({ ...goodMessage(), correlation_order: 2 }) },
  { name: 'nonlinearity for power-spectrum', code: status.INVALID_ARGUMENT, details: /nonlinearity: not an option of kind "power-spectrum"/,
    message: () => ({ ...goodMessage(), nonlinearity: 'tanh' }) },
  { name: 'k_cutoff for power-spectrum', code: status.INVALID_ARGUMENT, details: /k_cutoff: not an option of kind "power-spectrum"/,
    message: () => ({ ...goodMessage(), k_cutoff: 5 }) },
  { name: 'max_lambda for power-spectrum', code: status.INVALID_ARGUMENT, details: /max_lambda: not an option of kind "power-spectrum" \(kinds that take it: "lambda-soap", "correlation", "multi-scale", "pair-features", "message-passing"\)/,
    message: () => ({ ...goodMessage(), max_lambda: 1 }) },
  { name: 'unknown gradient name', code: status.INVALID_ARGUMENT, details: /gradients\[1\]: "strain" is not one of positions, cell/,
    message: () => ({ ...goodMessage(), gradients: ['positions', 'strain'] }) },
  { name: 'cell gradient of a molecule', code: status.INVALID_ARGUMENT, details: /"cell" needs structures periodic/,
    message: () => ({ ...goodMessage(), gradients: ['cell'] }) },
  { name: 'a structure with 0 atoms', code: status.INVALID_ARGUMENT, details: /structures\[0\]: no atoms/,
    message: () => goodMessage({ atomicNumbers: [], positions: [] }) },
  { name: 'no structures', code: status.INVALID_ARGUMENT, details: /structures: empty/,
    message: () => ({ ...goodMessage(), structures: [] }) },
  { name: 'over max atoms per request', code: status.RESOURCE_EXHAUSTED, details: /2001 atoms in total but this daemon accepts at most 2000/,
    message: () => goodMessage({ atomicNumbers: new Array(2001).fill(1), positions: Float64Array.from({ length: 6003 }, (_, i) => i) }) },
  { name: 'over max structures per request', code: status.RESOURCE_EXHAUSTED, details: /51 structures but this daemon accepts at most 50/,
    message: () => ({ ...goodMessage(), structures: new Array(51).fill(toStructureMessage(water)) }) },
  { name: 'oversized message (> 64 MiB)', code: status.RESOURCE_EXHAUSTED, details: /message larger than max|received message larger/i,
    message: () => ({
      ...goodMessage(), structures: [{ atomic_numbers: [1], positions: { dtype: '<f8', shape: [1, 3], data: Buffer.alloc(65 * 1024 * 1024) }, pbc: [] }],
    }) },
];

t.test('bad input: exact gRPC code and message; the daemon serves a good request after each', async (t) => {
  const reference = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small });
  for (const bad of badInputs) {
    await t.rejects(client.computeDescriptorsMessage(bad.message()), { code: bad.code, details: bad.details }, bad.name);
    const again = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small });
    t.ok(sameBits(again.blocks[0].values, reference.blocks[0].values), `serves a good request after: ${bad.name}`);
  }
  t.equal(await client.healthStatus(), 'SERVING', 'still SERVING after every bad request');
});

// device: "cuda" runs on a GPU or is refused with the addon's CUDA status; never a silent CPU answer.
t.test('device: auto and cpu agree; cuda computes the same or says why it cannot', async (t) => {
  const cpu = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small, device: 'cpu' });
  const auto = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small, device: 'auto' });
  t.ok(sameBits(auto.blocks[0].values, cpu.blocks[0].values), 'a small request on auto runs on the CPU: bitwise the cpu answer');
  await t.rejects(client.computeDescriptorsMessage({ ...goodMessage(), device: 'gpu' }),
    { code: status.INVALID_ARGUMENT, details: /device: "gpu" is not one of auto, cpu, cuda/ }, 'unknown device');
  const info = await client.info();
  if (/cuda: on, \d+ device/.test(info.addon_build ?? '')) {
    const gpu = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small, device: 'cuda' });
    t.ok(gpu.blocks[0].values.every((v, i) => Math.abs(v - cpu.blocks[0].values[i]) <= 1e-10 * Math.max(1, Math.abs(cpu.blocks[0].values[i]))),
      'cuda: the CPU values to 1e-10');
  } else {
    await t.rejects(client.computeDescriptorsMessage({ ...goodMessage(), device: 'cuda' }),
      { code: status.FAILED_PRECONDITION, details: /device "cuda": cuda: (off|on, no usable device)/ }, 'no usable GPU: FAILED_PRECONDITION with the CUDA status');
  }
  await t.rejects(client.computeDescriptorsMessage({ ...goodMessage(), device: 'cuda', gradients: ['positions'] }),
    { code: status.FAILED_PRECONDITION, details: /device "cuda"/ }, 'gradients on cuda: FAILED_PRECONDITION');
});

t.test('unset hypers take the documented defaults', async (t) => {
  const defaults = await client.computeDescriptorsMessage({ ...goodMessage(), hypers: {} });
  const explicit = await client.computeDescriptors([water], {
    kind: 'power-spectrum', hypers: { cutoff: 5, cutoff_width: 0.5, max_radial: 7, max_angular: 6, density_width: 0.3, center_atom_weight: 1 },
  });
  assertSameResult(t, defaults, explicit, 'defaults');
  const nMax = Math.max(...Array.from(explicit.blocks[0].properties.values).filter((_, i) => explicit.blocks[0].properties.names[i % explicit.blocks[0].properties.names.length] === 'n_1'));
  t.equal(nMax, 7, 'max_radial defaults to 7 (inclusive)');
});

t.test('concurrent requests from several clients all complete, each with its own answer', async (t) => {
  const clients = await Promise.all([0, 1, 2, 3].map(() => HamdClient.connect(daemon.address)));
  t.teardown(() => clients.forEach((c) => c.close()));
  const inputs = [[water], [methane], fixtureFrames('water-cell.xyz'), [water, methane]];
  const expected = await Promise.all(inputs.map((s) => client.computeDescriptors(s, { kind: 'power-spectrum', hypers: small, gradients: ['positions'] })));
  const runs = clients.flatMap((c, i) => [0, 1, 2].map(() => c.computeDescriptors(inputs[i], { kind: 'power-spectrum', hypers: small, gradients: ['positions'] })));
  const results = await Promise.all(runs);
  results.forEach((r, k) => assertSameResult(t, r, expected[Math.floor(k / 3)], `client ${Math.floor(k / 3)} request ${k % 3}`));
  const logged = daemon.logs.filter((l) => l.event === 'request' && l.method === 'ComputeDescriptors' && l.code === 'OK');
  t.ok(logged.length >= 12, 'every request logged');
  const last = logged[logged.length - 1];
  for (const field of ['structures', 'atoms', 'queue_us', 'compute_us', 'total_ms']) t.type(last[field], 'number', `request log has ${field}`);
});

t.test('SIGTERM: exit 0, socket removed', async (t) => {
  client.close();
  const exit = await daemon.stop('SIGTERM');
  t.equal(exit.code, 0, 'exit code 0');
  t.notOk(fs.existsSync(daemon.socket!), 'socket file removed');
  t.ok(daemon.logs.some((l) => l.event === 'stopped'), 'logged stopped');
});
