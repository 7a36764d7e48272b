// Daemon life cycle: private socket, one daemon per socket, stale sockets, TCP on
// loopback only, SIGTERM/SIGINT finishing in-flight calls then exiting 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient, type DescriptorOptions, type StructureInput } from '../clients/node';
import { defaultSocketPath, parseAddress } from '../server/wire/address';
import { prepareSocketDir } from '../server/daemon/socket';
import { runCliAsync, spawnDaemon, tempDir } from './helpers/daemon';
import { water, waterBox } from './helpers/structures';

const small = { cutoff: 4, max_radial: 3, max_angular: 3 };

// About a second of compute on one thread with a small answer (many neighbours, few features).
function slowRequest(): [StructureInput[], DescriptorOptions] {
  return [new Array(20).fill(waterBox(4)), { kind: 'spherical-expansion', hypers: { cutoff: 10, max_radial: 3, max_angular: 3 } }];
}

t.test('default socket path: XDG_RUNTIME_DIR, else /tmp/hamd-$UID', async (t) => {
  t.equal(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/hamd/hamd.sock');
  t.equal(defaultSocketPath({}), `/tmp/hamd-${process.getuid!()}/hamd.sock`);
  t.match(parseAddress('unix:///a/b.sock'), { kind: 'unix', path: '/a/b.sock' });
  t.match(parseAddress('127.0.0.1:5000'), { kind: 'tcp', host: '127.0.0.1', port: 5000, loopback: true });
  t.match(parseAddress('[::1]:7'), { kind: 'tcp', host: '::1', loopback: true });
  t.match(parseAddress('0.0.0.0:7'), { kind: 'tcp', loopback: false });
  t.throws(() => parseAddress('nonsense'), /expected unix:\/path or HOST:PORT/);
});

t.test('socket directory 0700 and socket 0600; a second daemon on the same socket is refused', async (t) => {
  const dir = tempDir();
  const socket = path.join(dir, 'private', 'hamd.sock');
  const first = await spawnDaemon(`unix:${socket}`, ['--threads', '1']);
  t.equal(fs.statSync(path.dirname(socket)).mode & 0o777, 0o700, 'directory 0700');
  t.equal(fs.statSync(socket).mode & 0o777, 0o600, 'socket 0600');
  t.ok(fs.statSync(socket).isSocket());

  const second = await spawnDaemon(`unix:${socket}`, ['--threads', '1']).then(
    () => t.fail('second daemon started'),
    (error: Error) => error.message,
  );
  t.match(second, /another daemon already answers on/, 'second daemon refuses to start');
  t.match(second, /daemon exited \(1\)/, 'and exits 1');
  const client = await HamdClient.connect(first.address);
  t.equal(await client.healthStatus(), 'SERVING', 'first daemon still serving');
  client.close();
  t.equal((await first.stop('SIGINT')).code, 0, 'SIGINT: exit 0');
  t.notOk(fs.existsSync(socket), 'socket file removed on exit');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('an existing socket directory is never loosened or tightened unless it is hamd\'s own', async (t) => {
  const dir = tempDir();
  const shared = path.join(dir, 'shared-sticky');
  fs.mkdirSync(shared);
  fs.chmodSync(shared, 0o1777); // like /tmp
  prepareSocketDir(shared);
  t.equal(fs.statSync(shared).mode & 0o7777, 0o1777, 'a sticky shared directory is accepted and left as it was');
  const daemon = await spawnDaemon(`unix:${path.join(shared, 'x.sock')}`, ['--threads', '1']);
  t.equal(fs.statSync(shared).mode & 0o7777, 0o1777, 'starting a daemon there does not chmod the directory');
  t.equal(fs.statSync(path.join(shared, 'x.sock')).mode & 0o777, 0o600, 'the socket itself is 0600');
  t.equal((await daemon.stop()).code, 0);

  const open = path.join(dir, 'world-writable');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  t.throws(() => prepareSocketDir(open), /writable by other users and not sticky/, 'a shared non-sticky directory is refused');
  t.equal(fs.statSync(open).mode & 0o777, 0o777, 'and left unchanged');
  await t.rejects(spawnDaemon(`unix:${path.join(open, 'x.sock')}`, ['--threads', '1']), /not sticky/);

  const readable = path.join(dir, 'readable');
  fs.mkdirSync(readable);
  fs.chmodSync(readable, 0o755);
  prepareSocketDir(readable);
  t.equal(fs.statSync(readable).mode & 0o777, 0o755, 'a user directory that others cannot write is accepted unchanged');
  prepareSocketDir(readable, { hamdOwned: true });
  t.equal(fs.statSync(readable).mode & 0o777, 0o700, 'hamd\'s own default directory is tightened to 0700');

  const fresh = path.join(dir, 'new', 'nested');
  prepareSocketDir(fresh);
  t.equal(fs.statSync(fresh).mode & 0o777, 0o700, 'a directory created by hamd is 0700');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('a stale socket file is removed; a non-socket file is not touched', async (t) => {
  const dir = tempDir();
  const socket = path.join(dir, 'hamd.sock');
  const killed = await spawnDaemon(`unix:${socket}`, ['--threads', '1']);
  await killed.stop('SIGKILL');
  t.ok(fs.existsSync(socket), 'SIGKILL leaves the socket file behind');
  const daemon = await spawnDaemon(`unix:${socket}`, ['--threads', '1']);
  t.ok(daemon.logs.some((l) => l.event === 'stale-socket-removed'), 'logged stale-socket-removed');
  const client = await HamdClient.connect(daemon.address);
  t.equal(await client.healthStatus(), 'SERVING');
  client.close();
  t.equal((await daemon.stop()).code, 0);

  const file = path.join(dir, 'not-a-socket');
  fs.writeFileSync(file, 'precious');
  await t.rejects(spawnDaemon(`unix:${file}`, ['--threads', '1']), /exists and is not a socket/);
  t.equal(fs.readFileSync(file, 'utf8'), 'precious');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('TCP: loopback when asked, token required; other addresses only with --allow-remote', async (t) => {
  const dir = tempDir();
  const tokenFile = path.join(dir, 'config', 'hamd', 'token');
  const saved = process.env.HAMD_TOKEN_FILE;
  process.env.HAMD_TOKEN_FILE = tokenFile;  // the daemon's and this client's
  t.teardown(() => {
    if (saved === undefined) delete process.env.HAMD_TOKEN_FILE; else process.env.HAMD_TOKEN_FILE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const daemon = await spawnDaemon('127.0.0.1:0', ['--threads', '1']);
  t.match(daemon.address, /^127\.0\.0\.1:\d+$/);
  t.equal(fs.statSync(tokenFile).mode & 0o777, 0o600, 'token file created 0600');
  t.equal(fs.statSync(path.dirname(tokenFile)).mode & 0o777, 0o700, 'in a 0700 directory');
  t.ok(fs.readFileSync(tokenFile, 'utf8').trim().length >= 40, 'holds a 32-byte token');
  const client = await HamdClient.connect(daemon.address);
  t.equal((await client.info()).api_version, 'hamd.v1', 'a client with the token is served');

  // TLS with a certificate made once beside the token (key 0600); plaintext is not served.
  const certFile = path.join(path.dirname(tokenFile), 'cert.pem');
  t.equal(fs.statSync(path.join(path.dirname(tokenFile), 'key.pem')).mode & 0o777, 0o600, 'TLS key created 0600');
  const plain = new grpc.Client(daemon.address, grpc.credentials.createInsecure());
  const plaintext = await new Promise<grpc.ServiceError | null>((resolve) => {
    plain.makeUnaryRequest('/hamd.v1.Hamd/GetServerInfo', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 3000 }, (error) => resolve(error));
  });
  t.ok(plaintext !== null && plaintext.code !== grpc.status.OK, `a plaintext client is not served (${plaintext?.code})`);
  plain.close();

  // Another local user without the token (but with the certificate): no metadata, then a wrong token.
  const raw = new grpc.Client(daemon.address, grpc.credentials.createSsl(fs.readFileSync(certFile)));
  const call = (metadata: grpc.Metadata) => new Promise<grpc.ServiceError | null>((resolve) => {
    raw.makeUnaryRequest('/hamd.v1.Hamd/ListModels', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), metadata, {}, (error) => resolve(error));
  });
  const none = await call(new grpc.Metadata());
  t.equal(none?.code, grpc.status.UNAUTHENTICATED, 'no token: UNAUTHENTICATED');
  t.match(none?.details, new RegExp(`requires its token.*${tokenFile.replace(/[/.]/g, '\\$&')}`), 'the message says where the token is');
  const wrong = new grpc.Metadata();
  wrong.set('authorization', 'Bearer not-the-token-at-all-not-the-token-at-all');
  t.equal((await call(wrong))?.code, grpc.status.UNAUTHENTICATED, 'a wrong token: UNAUTHENTICATED');
  const stream = raw.makeBidiStreamRequest('/hamd.v1.Hamd/Session', (b: Buffer) => b, (b: Buffer) => b, new grpc.Metadata());
  const ended = await new Promise<grpc.StatusObject>((resolve) => { stream.on('status', resolve); stream.on('error', () => undefined); stream.on('data', () => undefined); });
  t.equal(ended.code, grpc.status.UNAUTHENTICATED, 'a session stream without the token: UNAUTHENTICATED');
  raw.close();
  client.close();
  t.equal((await daemon.stop()).code, 0);

  // A second start reuses the token; a token file others can read is refused.
  const again = await spawnDaemon('127.0.0.1:0', ['--threads', '1']);
  const second = await HamdClient.connect(again.address);
  t.equal((await second.info()).api_version, 'hamd.v1', 'the same token file serves the next start');
  second.close();
  await again.stop();
  fs.chmodSync(tokenFile, 0o644);
  await t.rejects(spawnDaemon('127.0.0.1:0', ['--threads', '1']), /readable by other users/, 'a world-readable token file is refused');
  await t.rejects(spawnDaemon('0.0.0.0:0', ['--threads', '1']), /not a loopback address/);
});

t.test('SIGTERM while a request is in flight: the request completes, then exit 0', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1', '--log-level', 'debug']);
  const client = await HamdClient.connect(daemon.address);
  const heavy = client.computeDescriptors(...slowRequest());
  await daemon.waitFor((l) => l.event === 'request-received');
  daemon.child.kill('SIGTERM');
  const result = await heavy;
  const systems = new Set<number>();
  for (const block of result.blocks) for (let i = 0; i < block.samples.count; i++) systems.add(block.samples.values[2 * i]);
  t.equal(systems.size, 20, 'in-flight request answered in full (all 20 structures)');
  const exit = await daemon.exited;
  t.equal(exit.code, 0, 'exit code 0');
  const events = daemon.logs.map((l) => (l.event === 'request' ? `request:${l.code}` : l.event));
  t.ok(events.indexOf('stopping') < events.indexOf('request:OK'), `signal received before the request finished (${events.join(', ')})`);
  t.ok(events.indexOf('request:OK') < events.indexOf('stopped'), 'stopped after the request finished');
  client.close();
  await t.rejects(HamdClient.connect(daemon.address, { timeoutMs: 500 }), /no hamd daemon/, 'nothing listens afterwards');
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('a client that gives up cancels its request; the daemon keeps serving', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1']);
  const client = await HamdClient.connect(daemon.address);
  const [structures, options] = slowRequest();
  await t.rejects(client.computeDescriptors(structures, { ...options, deadlineMs: 50 }),
    { code: 4 /* DEADLINE_EXCEEDED */ });
  const ok = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small });
  t.ok(ok.blocks.length > 0, 'next request served');
  client.close();
  t.equal((await daemon.stop()).code, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('connections that never speak HTTP/2 are closed after --connection-idle-timeout; idle clients reconnect', async (t) => {
  const dir = tempDir();
  const socketPath = path.join(dir, 'hamd.sock');
  const daemon = await spawnDaemon(`unix:${socketPath}`, ['--threads', '1', '--connection-idle-timeout', '1']);
  const client = await HamdClient.connect(daemon.address);
  t.ok((await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small })).blocks.length > 0, 'a request before');
  // 40 connections that send nothing at all (not even the HTTP/2 preface).
  const silent = await Promise.all(Array.from({ length: 40 }, () => new Promise<net.Socket>((resolve, reject) => {
    const socket = net.createConnection(socketPath, () => resolve(socket));
    socket.on('error', reject);
  })));
  const closed = await Promise.all(silent.map((socket) => new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20000);
    socket.on('error', () => undefined);
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
    socket.resume();  // read (and drop) the server's SETTINGS so 'close' is seen
  })));
  t.equal(closed.filter(Boolean).length, 40, 'the daemon closed every silent connection');
  // The client's own connection went idle meanwhile and was closed too: its next call reconnects.
  t.ok((await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: small })).blocks.length > 0, 'an idle client\'s next call is served');
  client.close();
  t.equal((await daemon.stop()).code, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('back-pressure: compute requests over --max-queued are refused RESOURCE_EXHAUSTED with a retry hint', async (t) => {
  const dir = tempDir();
  const daemon = await spawnDaemon(`unix:${path.join(dir, 'hamd.sock')}`, ['--threads', '1', '--max-queued', '2', '--client-share', '1', '--no-models']);
  const client = await HamdClient.connect(daemon.address);
  const [structures, options] = slowRequest();
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => client.computeDescriptors(structures, options)));
  const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
  const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as grpc.ServiceError);
  t.ok(ok >= 2 && ok + refused.length === 8, `${ok} served, ${refused.length} refused`);
  t.ok(refused.length >= 1, 'requests beyond the two places are refused, not queued without bound');
  for (const error of refused) {
    if (error.code !== grpc.status.RESOURCE_EXHAUSTED || !/busy: 2 requests.*--max-queued 2.*retry in about \d+ ms/.test(error.details)
      || !(Number(error.metadata?.get('grpc-retry-pushback-ms')[0]) > 0)) {
      t.fail(`a refusal without code, message or hint: ${error.code} ${error.details}`);
    }
  }
  t.pass('each refusal: RESOURCE_EXHAUSTED, why, and grpc-retry-pushback-ms');
  t.ok((await client.computeDescriptors(structures, options)).blocks.length > 0, 'once the queue drained, a request is served');
  client.close();
  await daemon.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

t.test('`hamd serve` usage errors exit 2 without starting', async (t) => {
  const bad = await runCliAsync(['serve', '--threads', 'many']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--threads: "many" is not an integer/);
  const unknown = await runCliAsync(['serve', '--frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown option --frobnicate/);
});
