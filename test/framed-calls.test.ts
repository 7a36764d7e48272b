// Unary calls on the framed socket (proto/hamd/v1/hamd.proto, FramedCall / FramedReply;
// docs/sessions.md, "Framed calls"), checked with a client written from the proto alone: the
// same answers and errors as the gRPC methods; calls answered in order; unknown and streaming
// methods, malformed requests, deadlines, a client that vanishes mid-call, a session frame on a
// call connection, and connections that idle.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient } from '../clients/node';
import { spawnDaemon, tempDir, until, type DaemonProcess } from './helpers/daemon';
import { callFrame, decodeReply, FramedClient, methodTypes, positions, request } from './helpers/framed-client';

const { status } = grpc;

// A cubic box of water-like triples, `n` molecules, 3.1 Angstrom apart: enough atoms for a
// request with gradients to take tens of milliseconds.
function waterBox(n: number): { atomic_numbers: number[]; positions: ReturnType<typeof positions> } {
  const side = Math.ceil(Math.cbrt(n));
  const x: number[] = [];
  const z: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [i % side, Math.floor(i / side) % side, Math.floor(i / side / side)].map((k) => 3.1 * k);
    x.push(a, b, c + 0.12, a, b + 0.75, c - 0.46, a, b - 0.77, c - 0.47);
    z.push(8, 1, 1);
  }
  return { atomic_numbers: z, positions: positions(x) };
}

// The raw response bytes of a gRPC call, for comparison with a framed reply's.
function grpcRaw(address: string, method: string, requestBytes: Uint8Array): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(`/hamd.v1.Hamd/${method}`, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(requestBytes),
      (error, response) => { client.close(); if (error) reject(error); else resolve(response!); });
  });
}

function withoutTiming(message: Record<string, unknown>): string {
  const { compute_us: _c, queue_us: _q, ...rest } = message;
  return JSON.stringify(rest, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('base64') : v));
}

t.test('framed unary calls', async (t) => {
  const dir = tempDir();
  const socketPath = path.join(dir, 'hamd.sock');
  const daemon: DaemonProcess = await spawnDaemon(`unix:${socketPath}`,
    ['--threads', '2', '--no-models', '--session-idle-timeout', '2', '--max-receive-bytes', '4MiB']);
  const framedPath = `${socketPath}.sessions`;
  const client = await HamdClient.connect(daemon.address);
  t.teardown(async () => { client.close(); await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const descriptorRequest = {
    structures: [{ ...waterBox(2), pbc: [false, false, false] }], kind: 'power-spectrum',
    hypers: { cutoff: 4, max_radial: 4, max_angular: 3 }, gradients: ['positions'],
  };

  await t.test('the same answers as gRPC: descriptors bitwise, server info, models', async (t) => {
    const framed = new FramedClient(framedPath);
    const types = methodTypes('ComputeDescriptors');
    const bytes = types.request.encode(types.request.fromObject(descriptorRequest)).finish();
    framed.send(callFrame('ComputeDescriptors', bytes));
    const reply = (await framed.next())?.reply;
    t.equal(reply?.code ?? 0, 0, 'ComputeDescriptors: code OK');
    const viaGrpc = types.response.toObject(types.response.decode(await grpcRaw(daemon.address, 'ComputeDescriptors', bytes)), { longs: Number });
    const viaFrame = types.response.toObject(types.response.decode(reply?.response ?? new Uint8Array(0)), { longs: Number });
    t.ok((viaFrame.blocks as unknown[]).length > 0, 'blocks in the framed answer');
    t.equal(withoutTiming(viaFrame), withoutTiming(viaGrpc), 'keys, blocks, values and gradients bitwise equal to the gRPC answer (timings aside)');
    for (const method of ['GetServerInfo', 'ListModels']) {
      framed.send(callFrame(method, {}));
      const answer = decodeReply(method, (await framed.next())?.reply?.response);
      const types = methodTypes(method);
      const want = types.response.toObject(types.response.decode(await grpcRaw(daemon.address, method, new Uint8Array(0))), { longs: Number, defaults: false });
      t.same(answer, want, `${method}: as over gRPC`);
    }
    framed.destroy();
  });

  await t.test('calls sent ahead are answered in order on one connection', async (t) => {
    const framed = new FramedClient(framedPath);
    const methods = ['GetStatistics', 'GetServerInfo', 'ComputeDescriptors', 'ListModels', 'GetServerInfo'];
    framed.send(Buffer.concat(methods.map((m) => callFrame(m, m === 'ComputeDescriptors' ? descriptorRequest : {}))));
    const answers = [];
    for (const method of methods) answers.push(decodeReply(method, (await framed.next())?.reply?.response));
    t.ok('uptime_s' in answers[0] || 'methods' in answers[0], '1st: Statistics');
    t.ok('version' in answers[1], '2nd: ServerInfo');
    t.ok(Array.isArray(answers[2].blocks), '3rd: descriptors');
    t.ok('version' in answers[4], '5th: ServerInfo');
    framed.destroy();
  });

  await t.test('errors are FramedReply codes and the connection serves on', async (t) => {
    const framed = new FramedClient(framedPath);
    const cases: Array<[string, Buffer, number, RegExp]> = [
      ['an unknown method', callFrame('Nope', new Uint8Array(0)), status.UNIMPLEMENTED, /framed call "Nope": no such unary method/],
      ['a streaming method', callFrame('Session', new Uint8Array(0)), status.UNIMPLEMENTED, /streaming method: use its gRPC stream/],
      ['bytes that are no request', callFrame('ComputeDescriptors', Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02])), status.INVALID_ARGUMENT, /ComputeDescriptorsRequest/],
      ['an unknown model', callFrame('LoadModel', { name: 'nope' }), status.NOT_FOUND, /no model "nope"/],
      ['an unknown descriptor kind', callFrame('ComputeDescriptors', { ...descriptorRequest, kind: 'bogus' }), status.INVALID_ARGUMENT, /bogus/],
    ];
    for (const [label, bytes, code, message] of cases) {
      framed.send(bytes);
      const reply = (await framed.next())?.reply;
      t.equal(reply?.code, code, `${label}: ${status[code]}`);
      t.match(reply?.message ?? '', message, `${label}: message`);
    }
    framed.send(callFrame('GetServerInfo', {}));
    t.ok('version' in decodeReply('GetServerInfo', (await framed.next())?.reply?.response), 'then a call is answered on the same connection');
    t.notOk(framed.closed, 'the connection is open');
    try {
      await client.loadModel('nope');
      t.fail('gRPC LoadModel of an unknown model');
    } catch (error) {
      t.equal((error as grpc.ServiceError).code, status.NOT_FOUND, 'gRPC gives the same code');
    }
    framed.destroy();
  });

  // Seconds of work (no gradients: the output stays small).
  const big = { ...descriptorRequest, gradients: [], structures: Array.from({ length: 12 }, () => ({ ...waterBox(200), pbc: [false, false, false] })),
    hypers: { cutoff: 6, max_radial: 8, max_angular: 6 } };

  await t.test('a call past its timeout is answered DEADLINE_EXCEEDED', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(callFrame('ComputeDescriptors', big, 0.001));
    const reply = (await framed.next(60000))?.reply;
    t.equal(reply?.code, status.DEADLINE_EXCEEDED, 'DEADLINE_EXCEEDED');
    t.match(reply?.message ?? '', /timeout of 0.001 s/, 'says which timeout');
    framed.destroy();
  });

  await t.test('a client that vanishes mid-call cancels its work', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(callFrame('ComputeDescriptors', big));
    await new Promise((r) => setTimeout(r, 300));
    framed.destroy();
    const line = await daemon.waitFor((l) => l.event === 'request' && l.method === 'ComputeDescriptors' && l.code === 'CANCELLED', 60000);
    t.match(String(line.peer), /^framed-calls:/, 'logged CANCELLED for the framed peer');
    const other = new FramedClient(framedPath);
    other.send(callFrame('GetServerInfo', {}));
    t.ok('version' in decodeReply('GetServerInfo', (await other.next())?.reply?.response), 'the daemon serves others');
    other.destroy();
  });

  await t.test('a session frame on a call connection is refused and the connection closed', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(callFrame('GetServerInfo', {}));
    await framed.next();
    framed.send(request({ open: { atomic_numbers: [8, 1, 1], outputs: ['energy'] } }));
    const reply = (await framed.next())?.reply;
    t.equal(reply?.code, status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
    t.match(reply?.message ?? '', /carries framed calls/, 'says why');
    t.ok(await until(async () => framed.closed), 'closed');
  });

  await t.test('oversized frames are refused RESOURCE_EXHAUSTED', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(callFrame('GetServerInfo', {}));
    await framed.next();
    framed.send(Buffer.from([0xff, 0xff, 0xff, 0x7f]));
    const reply = (await framed.next())?.reply;
    t.equal(reply?.code, status.RESOURCE_EXHAUSTED, 'RESOURCE_EXHAUSTED');
    t.match(reply?.message ?? '', /over this daemon's limit/, 'says the limit');
    t.ok(await until(async () => framed.closed), 'closed');
  });

  await t.test('connections that idle are closed after the idle timeout', async (t) => {
    const silent = new FramedClient(framedPath);
    const used = new FramedClient(framedPath);
    used.send(callFrame('GetServerInfo', {}));
    await used.next();
    const start = Date.now();
    t.ok(await until(async () => silent.closed && used.closed, 10000), 'both closed');
    t.ok(Date.now() - start >= 1000, `not before the timeout (${Date.now() - start} ms of 2000)`);
  });

  await t.test('a call that computes longer than the idle timeout is not cut off', async (t) => {
    const other = path.join(dir, 'slow.sock');
    const slowDaemon = await spawnDaemon(`unix:${other}`, ['--threads', '1', '--no-models', '--session-idle-timeout', '0.25']);
    const framed = new FramedClient(`${other}.sessions`);
    // ~0.7 s of work on one thread (a long cutoff, few features: a small answer), with no
    // traffic on the connection meanwhile.
    const long = { structures: Array.from({ length: 30 }, () => ({ ...waterBox(200), pbc: [false, false, false] })), kind: 'power-spectrum',
      hypers: { cutoff: 10, max_radial: 2, max_angular: 2 } };
    const start = Date.now();
    framed.send(callFrame('ComputeDescriptors', long));
    const reply = (await framed.next(120000))?.reply;
    const took = Date.now() - start;
    t.equal(reply?.code ?? 0, 0, `answered OK after ${took} ms ${reply?.message ?? ""}`);
    t.ok(took > 250 || t.comment(`(the call took only ${took} ms: the idle timeout was not reached)`) === undefined, 'longer than the idle timeout, or said so');
    t.ok(await until(async () => framed.closed, 5000), 'then closed once idle');
    framed.destroy();
    await slowDaemon.stop();
  });

  await t.test('framed calls count in the statistics like gRPC calls', async (t) => {
    const before = (await client.statistics()).methods?.find((m) => m.method === 'ListModels')?.success ?? 0;
    const framed = new FramedClient(framedPath);
    for (let i = 0; i < 3; i++) {
      framed.send(callFrame('ListModels', {}));
      await framed.next();
    }
    framed.destroy();
    const after = (await client.statistics()).methods?.find((m) => m.method === 'ListModels')?.success ?? 0;
    t.equal(Number(after) - Number(before), 3, '3 more ListModels successes');
  });

});
