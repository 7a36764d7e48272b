// Fuzz: malformed and hostile requests against a running daemon (issue 9). Every request must be
// answered with a clear caller's-error code (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, NOT_FOUND for
// a model or region name that does not exist; ALREADY_EXISTS, PERMISSION_DENIED and
// FAILED_PRECONDITION of shared-memory regions) or OK when the mutation happens to be a valid
// request; every unary RPC, shared-memory registration with hostile paths included; never
// INTERNAL ("a bug: please report"), UNKNOWN, or a hang; and the daemon keeps serving.
// Seeded (HAMD_FUZZ_SEED, printed) so a failure replays; HAMD_FUZZ_COUNT sets the number of
// unary requests (default 10000; bench/fuzz runs longer campaigns).
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import t from 'tap';
import { hamdProtoFile, protoRoot } from '../server/base/paths';
import { spawnDaemon, tempDir, type DaemonProcess } from './helpers/daemon';
import { callFrame, FramedClient } from './helpers/framed-client';

const SEED = Number(process.env.HAMD_FUZZ_SEED ?? 20261207);
const COUNT = Number(process.env.HAMD_FUZZ_COUNT ?? 10000);
const SESSION_COUNT = Math.max(50, Math.floor(COUNT / 20));
const DEADLINE_MS = 20000;  // far above any answer these tiny requests need: a hit is a hang

// xorshift32: the same cases on every machine for one seed.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

const root = new protobuf.Root();
root.loadSync(path.join(protoRoot, hamdProtoFile), { keepCase: true });
const types = {
  ComputeDescriptors: root.lookupType('hamd.v1.ComputeDescriptorsRequest'),
  Predict: root.lookupType('hamd.v1.PredictRequest'),
  LoadModel: root.lookupType('hamd.v1.LoadModelRequest'),
  UnloadModel: root.lookupType('hamd.v1.UnloadModelRequest'),
  GetServerInfo: root.lookupType('hamd.v1.GetServerInfoRequest'),
  ListModels: root.lookupType('hamd.v1.ListModelsRequest'),
  GetStatistics: root.lookupType('hamd.v1.GetStatisticsRequest'),
  RegisterSharedMemory: root.lookupType('hamd.v1.RegisterSharedMemoryRequest'),
  UnregisterSharedMemory: root.lookupType('hamd.v1.UnregisterSharedMemoryRequest'),
  SharedMemoryStatus: root.lookupType('hamd.v1.SharedMemoryStatusRequest'),
  Session: root.lookupType('hamd.v1.SessionRequest'),
};
type Method = keyof typeof types;

function f64(values: number[], shape: number[]) {
  return { dtype: '<f8', shape, data: Buffer.from(Float64Array.from(values).buffer) };
}

const waterPositions = [0, 0, 0.117, 0, 0.757, -0.467, 0, -0.757, -0.467];
const water = { atomic_numbers: [8, 1, 1], positions: f64(waterPositions, [3, 3]) };
const small = { cutoff: 3.5, cutoff_width: 0.5, max_radial: 3, max_angular: 3, density_width: 0.3 };

// Valid requests: the seeds that truncation, byte flips and field mutations start from.
const valid: Record<Method, Record<string, unknown>> = {
  ComputeDescriptors: { structures: [water], kind: 'power-spectrum', hypers: small, gradients: ['positions'] },
  Predict: { structures: [water], outputs: ['orbital_energies'] },
  LoadModel: { name: 'no-such-model' },
  UnloadModel: { name: 'no-such-model' },
  GetServerInfo: {},
  ListModels: {},
  GetStatistics: {},
  // A process id that does not exist: mutations must not make the daemon open a live descriptor.
  RegisterSharedMemory: { name: 'fuzz', path: '/proc/999999999/fd/3', byte_size: 4096, owner_pid: 999999999 },
  UnregisterSharedMemory: { name: 'fuzz' },
  SharedMemoryStatus: { name: 'fuzz' },
  Session: { open: { atomic_numbers: [8, 1, 1], positions: f64(waterPositions, [3, 3]), outputs: ['energy', 'forces'] } },
};

// Field-level mutations a careless or hostile client sends: each returns a whole request.
function semanticCases(pick: () => number): Array<[Method, Record<string, unknown>]> {
  const any = <T>(xs: T[]): T => xs[Math.floor(pick() * xs.length)];
  const structure = (over: Record<string, unknown>) => ({ ...water, ...over });
  const badStructures = [
    structure({ positions: f64([NaN, 0, 0, 0, 0.757, -0.467, 0, -0.757, -0.467], [3, 3]) }),
    structure({ positions: f64([Infinity, 0, 0, 0, 0.757, -0.467, 0, -0.757, -0.467], [3, 3]) }),
    structure({ positions: f64(waterPositions, [9]) }),
    structure({ positions: f64(waterPositions, [3, 3, 1]) }),
    structure({ positions: f64(waterPositions.slice(0, 6), [3, 3]) }),
    structure({ positions: { dtype: '<f4', shape: [3, 3], data: Buffer.alloc(36) } }),
    structure({ positions: { dtype: '>f8', shape: [3, 3], data: Buffer.alloc(72) } }),
    structure({ positions: { dtype: '<f8', shape: [2 ** 40, 3], data: Buffer.alloc(72) } }),
    structure({ positions: { dtype: '<f8', shape: [-3, -3], data: Buffer.alloc(72) } }),
    structure({ positions: undefined }),
    structure({ atomic_numbers: [] }),
    structure({ atomic_numbers: [0, 1, 1] }),
    structure({ atomic_numbers: [200, 1, 1] }),
    structure({ atomic_numbers: [-8, 1, 1] }),
    structure({ atomic_numbers: [8, 1] }),
    structure({ positions: f64([0, 0, 0, 0, 0, 0, 0, 0, 1e-9], [3, 3]) }),  // overlapping atoms
    structure({ cell: f64([0, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3]), pbc: [true, true, true] }),  // singular
    structure({ cell: f64([1, 0, 0, 2, 0, 0, 0, 0, 1], [3, 3]), pbc: [true, true, true] }),  // flat
    structure({ cell: f64([1e-6, 0, 0, 0, 1e-6, 0, 0, 0, 1e-6], [3, 3]), pbc: [true, true, true] }),
    structure({ cell: f64([NaN, 0, 0, 0, 5, 0, 0, 0, 5], [3, 3]), pbc: [true, true, true] }),
    structure({ cell: f64([5, 0, 0, 0, 5, 0, 0, 0, 5], [3, 3]), pbc: [true, false] }),
    structure({ cell: f64([1e12, 0, 0, 0, 5, 0, 0, 0, 5], [3, 3]), pbc: [true, true, true] }),
    {},
  ];
  const absurdHypers = [
    { ...small, max_angular: 1000 }, { ...small, max_radial: -1 }, { ...small, cutoff: 1e300 },
    { ...small, cutoff: -1 }, { ...small, cutoff: NaN }, { ...small, density_width: 0 },
    { ...small, cutoff_width: 1e9 }, { ...small, center_atom_weight: Infinity }, { ...small, max_radial: 2 ** 31 - 1 },
  ];
  const cases: Array<[Method, Record<string, unknown>]> = [];
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, structures: [any(badStructures)] }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, hypers: any(absurdHypers) }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, kind: any(['', 'nope', 'power-spectrum\0', 'x'.repeat(100000)]) }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, gradients: [any(['strain', '', 'cell', 'positions'.repeat(1000)])] }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, species: [any([0, -1, 119, 2 ** 31 - 1])] }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, kind: 'lambda-soap', max_lambda: any([-1, 100, 2 ** 31 - 1]) }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, kind: any(['correlation', 'bispectrum']), correlation_order: any([0, 5, -1, 2 ** 31 - 1]), max_lambda: any([-1, 100, 2 ** 31 - 1]) }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, structures: [] }]);
  cases.push(['Predict', { ...valid.Predict, structures: [any(badStructures)] }]);
  cases.push(['Predict', { ...valid.Predict, outputs: [any(['', 'nope', 'energy', 'x'.repeat(50000)])] }]);
  cases.push(['Predict', { ...valid.Predict, model: any(['../../etc/passwd', '/abs/path', 'a'.repeat(20000), '\u0000\u0001', '.hidden']) }]);
  cases.push(['Predict', { ...valid.Predict, units: any(['parsecs', '']), order: any(['sideways', '']), charge: any([-1000, 1000, 2 ** 31 - 1]) }]);
  cases.push(['LoadModel', { name: any(['../x', '', 'a/b', 'z'.repeat(100000), '\n']) }]);
  cases.push(['UnloadModel', { name: any(['../x', '', 'a/b', 'z'.repeat(100000)]) }]);
  cases.push(['RegisterSharedMemory', {
    name: any(['', 'a b', 'z'.repeat(200), 'ok', '../x']), path: any(['/etc/passwd', '/proc/self/mem', '/dev/zero', '/proc/1/fd/../../self/mem', '', 'relative', '/proc/999999999/fd/1']),
    byte_size: any([0, 1, 2 ** 53, 4096]), owner_pid: any([-1, 0, 2 ** 40]),
  }]);
  cases.push(['ComputeDescriptors', { ...valid.ComputeDescriptors, output_region: { name: any(['', 'nobody', 'x'.repeat(1000)]), offset: any([0, 63, 2 ** 53]), byte_size: any([0, 1, 2 ** 60]) } }]);
  return cases;
}

interface Outcome { code: grpc.status; details: string }

function unary(client: grpc.Client, method: Method, bytes: Buffer): Promise<Outcome> {
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/hamd.v1.Hamd/${method}`, identity, identity, bytes, { deadline: Date.now() + DEADLINE_MS },
      (error) => resolve(error ? { code: error.code ?? grpc.status.UNKNOWN, details: error.details ?? '' } : { code: grpc.status.OK, details: '' }));
  });
}

// One stream: the given messages, then half-close; the status the stream ends with.
function session(client: grpc.Client, messages: Buffer[]): Promise<Outcome> {
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest('/hamd.v1.Hamd/Session', identity, identity, { deadline: Date.now() + DEADLINE_MS });
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function mutate(bytes: Buffer, pick: () => number): Buffer {
  const kind = Math.floor(pick() * 4);
  if (kind === 0 || bytes.length === 0) {  // random bytes
    const out = Buffer.alloc(Math.floor(pick() * 300));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(pick() * 256);
    return out;
  }
  if (kind === 1) return bytes.subarray(0, Math.floor(pick() * bytes.length));  // truncated
  const out = Buffer.from(bytes);
  const flips = 1 + Math.floor(pick() * 4);
  for (let i = 0; i < flips; i++) out[Math.floor(pick() * out.length)] = Math.floor(pick() * 256);  // bytes changed
  if (kind === 3) return Buffer.concat([out, out.subarray(0, Math.floor(pick() * out.length))]);  // and junk appended
  return out;
}

const CALLER_ERRORS = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED, grpc.status.NOT_FOUND,
  grpc.status.ALREADY_EXISTS, grpc.status.PERMISSION_DENIED, grpc.status.FAILED_PRECONDITION]);

let dir: string;
let daemon: DaemonProcess;
let client: grpc.Client;

t.before(async () => {
  dir = tempDir();
  daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '2']);
  client = new grpc.Client(daemon.address, grpc.credentials.createInsecure());
});

t.teardown(async () => {
  client?.close();
  await daemon?.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test(`${COUNT} malformed unary requests (seed ${SEED}): caller's-error codes only, no hang, daemon serving`, async (t) => {
  const pick = rng(SEED);
  const methods = Object.keys(types).filter((m) => m !== 'Session') as Method[];
  const counts: Record<string, number> = {};
  const bad: string[] = [];
  let longest = 0;
  const started = Date.now();
  for (let i = 0; i < COUNT; i += 8) {
    const batch: Array<Promise<void>> = [];
    for (let j = i; j < Math.min(COUNT, i + 8); j++) {
      let method: Method;
      let bytes: Buffer;
      if (pick() < 0.25) {
        const cases = semanticCases(pick);
        const [m, request] = cases[Math.floor(pick() * cases.length)];
        method = m;
        bytes = Buffer.from(types[m].encode(types[m].fromObject(request)).finish());
      } else {
        method = methods[Math.floor(pick() * methods.length)];
        bytes = mutate(Buffer.from(types[method].encode(types[method].fromObject(valid[method])).finish()), pick);
      }
      batch.push(unary(client, method, bytes).then((o) => {
        const key = `${method} ${grpc.status[o.code]}`;
        counts[key] = (counts[key] ?? 0) + 1;
        longest = Math.max(longest, o.details.length);
        if (!CALLER_ERRORS.has(o.code) || (o.code !== grpc.status.OK && o.details.length === 0)) {
          if (bad.length < 10) bad.push(`${key}: ${o.details.slice(0, 300)} (request ${bytes.toString('base64').slice(0, 200)})`);
        }
      }));
    }
    await Promise.all(batch);
  }
  t.comment(`answers: ${JSON.stringify(counts)}; ${(Date.now() - started) / 1000} s; longest message ${longest} characters`);
  t.same(bad, [], 'every answer is OK or a caller\'s error with a message');
  t.ok(longest <= 2200, `error messages stay bounded (${longest} characters; limit 2048 + a note)`);
  const info = await unary(client, 'GetServerInfo', Buffer.alloc(0));
  t.equal(info.code, grpc.status.OK, 'the daemon still answers');
  t.equal(daemon.logs.filter((l) => l.level === 'error').length, 0, 'no error-level log line (INTERNAL is logged as error)');
});

t.test(`${SESSION_COUNT} malformed session streams: caller's-error codes only`, async (t) => {
  const pick = rng(SEED + 1);
  const openBytes = Buffer.from(types.Session.encode(types.Session.fromObject(valid.Session)).finish());
  const stepBytes = Buffer.from(types.Session.encode(types.Session.fromObject({ step: { positions: f64(waterPositions, [3, 3]) } })).finish());
  const counts: Record<string, number> = {};
  const bad: string[] = [];
  for (let i = 0; i < SESSION_COUNT; i += 4) {
    const batch: Array<Promise<void>> = [];
    for (let j = i; j < Math.min(SESSION_COUNT, i + 4); j++) {
      // a malformed first message, or a good open followed by a malformed step
      const messages = pick() < 0.5 ? [mutate(openBytes, pick)] : [openBytes, mutate(stepBytes, pick)];
      batch.push(session(client, messages).then((o) => {
        const key = grpc.status[o.code];
        counts[key] = (counts[key] ?? 0) + 1;
        if (!CALLER_ERRORS.has(o.code) && bad.length < 10) bad.push(`${key}: ${o.details.slice(0, 300)}`);
      }));
    }
    await Promise.all(batch);
  }
  t.comment(`stream endings: ${JSON.stringify(counts)}`);
  t.same(bad, [], 'every stream ends OK or with a caller\'s error');
  t.equal((await unary(client, 'GetServerInfo', Buffer.alloc(0))).code, grpc.status.OK, 'the daemon still answers');
  t.equal(daemon.logs.filter((l) => l.level === 'error').length, 0, 'no error-level log line');
});

const FRAMED_COUNT = Math.max(400, Math.floor(COUNT / 10));

t.test(`${FRAMED_COUNT} malformed framed calls: caller's-error codes only, connections survive or end cleanly`, async (t) => {
  const pick = rng(SEED + 2);
  const methods = [...Object.keys(types).filter((m) => m !== 'Session'), 'Session', 'ComputeDescriptorsStream', 'Nope', ''];
  const counts: Record<string, number> = {};
  const bad: string[] = [];
  const framedPath = path.join(dir, 'hamd.sock.sessions');
  // Four connections at a time; each call is a FramedCall of a mutated request, or a mutated
  // FramedCall frame (the envelope itself); a connection the daemon ends is replaced.
  const worker = async (calls: number) => {
    let connection = new FramedClient(framedPath);
    for (let i = 0; i < calls; i++) {
      const method = methods[Math.floor(pick() * methods.length)];
      const known = (types as Record<string, protobuf.Type>)[method];
      const body = known ? mutate(Buffer.from(known.encode(known.fromObject(valid[method as Method] ?? {})).finish()), pick) : Buffer.alloc(0);
      const envelope = callFrame(method, body, pick() < 0.1 ? pick() * 1e-3 : 0);
      connection.send(pick() < 0.15 ? (() => { const m = mutate(envelope.subarray(4), pick); const head = Buffer.alloc(4); head.writeUInt32LE(m.length); return Buffer.concat([head, m]); })() : envelope);
      const answer = await connection.next(DEADLINE_MS);
      const status = answer?.reply ?? answer?.end;
      const key = answer === undefined ? (connection.closed ? 'closed' : 'no answer') : `${answer.reply ? 'reply' : 'end'} ${grpc.status[status?.code ?? 0]}`;
      counts[key] = (counts[key] ?? 0) + 1;
      const code = status?.code ?? 0;
      if (answer === undefined || (!CALLER_ERRORS.has(code) && code !== grpc.status.UNIMPLEMENTED && code !== grpc.status.DEADLINE_EXCEEDED)
        || (code !== 0 && !status?.message)) {
        if (bad.length < 10) bad.push(`${method} ${key}: ${status?.message?.slice(0, 300)}`);
      }
      // A session frame on a call connection is refused and the connection closed; a first
      // frame that is no call makes the connection a session's.
      const closes = /carries framed calls/.test(answer?.reply?.message ?? '');
      if (answer?.end || answer?.response || answer === undefined || closes || connection.closed) {
        connection.destroy();
        connection = new FramedClient(framedPath);
      }
    }
    connection.destroy();
  };
  await Promise.all(Array.from({ length: 4 }, () => worker(FRAMED_COUNT / 4)));
  t.comment(`framed answers: ${JSON.stringify(counts)}`);
  t.same(bad, [], 'every framed call answered OK or with a caller\'s error, or its connection ended with one');
  t.equal((await unary(client, 'GetServerInfo', Buffer.alloc(0))).code, grpc.status.OK, 'the daemon still answers');
  t.equal(daemon.logs.filter((l) => l.level === 'error').length, 0, 'no error-level log line');
});
