// GetStatistics and `hamd status`: after a known mix of calls (good and bad descriptor requests,
// energy predictions, session steps over the RPC and over the session socket, one refused step),
// every count, failure code, structure and atom total is exactly what was sent, and the times
// are consistent (compute <= total).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import t from 'tap';
import { HamdClient } from '../clients/node';
import { runCliAsync, spawnDaemon, tempDir } from './helpers/daemon';
import { numpy, trainTinyModel } from './helpers/energy-model';

const WATER = [0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47];
const water = { atomicNumbers: [8, 1, 1], positions: [[0, 0, 0.12], [0, 0.75, -0.46], [0, -0.77, -0.47]] };

t.test('statistics count what was served', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2', '--no-models', '--model', `water=${modelFile}`]);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  const hypers = { cutoff: 3.5, max_radial: 2, max_angular: 2 };
  for (let k = 0; k < 3; k++) await client.computeDescriptors([water, water], { kind: 'power-spectrum', hypers });
  for (const bad of [{ ...hypers, cutoff: -1 }, { ...hypers, max_angular: 99 }]) {
    await t.rejects(client.computeDescriptors([water], { kind: 'power-spectrum', hypers: bad }));
  }
  for (let k = 0; k < 5; k++) await client.predict([water], { outputs: ['energy', 'forces'] });
  await t.rejects(client.predict([water], { model: 'nope' }));

  const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy'] });
  for (let k = 0; k < 3; k++) await session.step(Float64Array.from(WATER));
  await t.rejects(session.step(Float64Array.from([NaN, ...WATER.slice(1)])));
  await session.close();

  // Three steps over the framed session socket (docs/sessions.md), with a client from the proto.
  const info = await client.info();
  t.ok(info.session_socket, 'the daemon offers a session socket');
  const protobuf = await import('protobufjs');
  const { hamdProtoFile, protoRoot } = await import('../server/base/paths');
  const root = new protobuf.Root();
  root.loadSync(path.join(protoRoot, hamdProtoFile), { keepCase: true });
  const Request = root.lookupType('hamd.v1.SessionRequest');
  const frame = (message: Record<string, unknown>) => {
    const body = Request.encode(Request.fromObject(message)).finish();
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    return Buffer.concat([head, Buffer.from(body)]);
  };
  const positions = { dtype: '<f8', shape: [3, 3], data: Buffer.from(Float64Array.from(WATER).buffer) };
  const socket = net.createConnection(info.session_socket!.slice('unix:'.length));
  let received = Buffer.alloc(0);
  let frames = 0;
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 4 && received.length >= 4 + received.readUInt32LE(0)) {
        received = received.subarray(4 + received.readUInt32LE(0));
        frames += 1;
      }
      if (frames >= 6) resolve();  // opened, 3 results, closed, end
    });
  });
  socket.write(Buffer.concat([frame({ open: { atomic_numbers: [8, 1, 1], outputs: ['energy'] } }),
    ...[0, 1, 2].map(() => frame({ step: { positions } })), frame({ close: {} })]));
  await answered;
  socket.destroy();

  const stats = await client.statistics();
  const find = (method: string, model = '') => stats.methods.find((m) => m.method === method && m.model === model);
  const descriptors = find('ComputeDescriptors');
  t.match(descriptors, { success: 3, failure: 2, structures: 6, atoms: 18 }, 'ComputeDescriptors: 3 OK (6 structures, 18 atoms), 2 failed');
  t.same(descriptors?.failure_codes, { INVALID_ARGUMENT: 2 }, 'failures by code');
  const predict = find('Predict', 'water');
  t.match(predict, { success: 5, failure: 0, structures: 5, atoms: 15 }, 'Predict on "water": 5 OK');
  t.same(find('Predict', 'nope')?.failure_codes, { NOT_FOUND: 1 }, 'Predict on an unknown model: NOT_FOUND, under its name');
  t.match(find('SessionOpen', 'water'), { success: 2 }, 'two sessions opened, one per transport');
  const steps = find('SessionStep', 'water');
  t.match(steps, { success: 6, failure: 1, structures: 6, atoms: 18 }, 'SessionStep: 3 over the RPC + 3 over the socket OK, 1 refused');
  t.same(steps?.failure_codes, { INVALID_ARGUMENT: 1 }, 'the refused step by code');
  for (const m of [descriptors, predict, steps]) {
    const compute = m?.compute_us ?? 0, total = m?.total_us ?? 0;
    t.ok(compute > 0 && compute <= total, `${m?.method}: 0 < compute_us (${compute.toFixed(0)}) <= total_us (${total.toFixed(0)})`);
  }
  t.ok((stats.uptime_s ?? 0) > 0 && (stats.open_sessions ?? 0) === 0, 'uptime and open sessions');

  const json = await runCliAsync(['status', '--address', daemon.address, '--json']);
  t.equal(json.code, 0, 'hamd status --json exits 0');
  const parsed = JSON.parse(json.stdout) as { statistics: { methods: Array<{ method: string; model: string; success: number }> } };
  t.equal(parsed.statistics.methods.find((m) => m.method === 'Predict' && m.model === 'water')?.success, 5, 'with the same counts');
  const text = await runCliAsync(['status', '--address', daemon.address]);
  t.equal(text.code, 0, 'hamd status exits 0');
  t.match(text.stdout, /models: .*water \(energy, ready\)/, 'lists the models');
  t.match(text.stdout, /SessionStep\s+water\s+6\s+1\s/, 'a table row per method and model');
});

t.test('hamd serve --metrics-listen: Prometheus text with the statistics and process metrics', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1', '--no-models', '--metrics-listen', '127.0.0.1:0']);
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const listening = await daemon.waitFor((l) => l.event === 'metrics-listening');
  for (let k = 0; k < 4; k++) await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: { cutoff: 3.5, max_radial: 2, max_angular: 2 } });
  await t.rejects(client.computeDescriptors([water], { kind: 'power-spectrum', hypers: { cutoff: -1 } }));
  const text = await (await fetch(`http://${String(listening.address)}/metrics`)).text();
  t.match(text, /^hamd_calls_total\{method="ComputeDescriptors",model="",code="OK"\} 4$/m, 'calls by method, model and code');
  t.match(text, /^hamd_calls_total\{method="ComputeDescriptors",model="",code="INVALID_ARGUMENT"\} 1$/m, 'failures by code');
  const compute = Number(/^hamd_compute_seconds_total\{method="ComputeDescriptors",model=""\} (\S+)$/m.exec(text)?.[1]);
  t.ok(compute > 0 && compute < 10, `compute seconds (${compute})`);
  t.match(text, /^hamd_open_sessions 0$/m, 'open sessions');
  t.match(text, /^process_resident_memory_bytes \d+/m, 'the process metrics (prom-client defaults)');
  t.equal((await fetch(`http://${String(listening.address)}/other`)).status, 404, 'other paths: 404');
  await t.rejects(spawnDaemon(`unix:${path.join(dir, 'b.sock')}`, ['--no-models', '--metrics-listen', '0.0.0.0:0']), /not a loopback address/, 'loopback only');
});
