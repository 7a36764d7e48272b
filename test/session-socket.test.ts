// The framed session transport (proto/hamd/v1/hamd.proto, SessionSocketFrame; docs/sessions.md):
// a Unix socket beside the daemon's, each connection one session of length-prefixed messages.
// Checked with a client written here from the proto alone: the same answers as the Session RPC,
// bitwise; the same errors, ending in a SessionEnd frame; malformed and oversized frames; a
// client that vanishes; the socket's mode, ServerInfo, --session-socket none, and shutdown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import { HamdClient } from '../clients/node';
import { spawnDaemon, tempDir, until, type DaemonProcess } from './helpers/daemon';
import { FramedClient, frame, positions, request } from './helpers/framed-client';
import { numpy, trainTinyModel } from './helpers/energy-model';

const WATER = [0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47];

t.test('the framed session socket', { skip: numpy ? false : 'python3 with numpy is needed to write the dataset' }, async (t) => {
  const dir = tempDir();
  const modelFile = trainTinyModel(t, dir);
  const socketPath = path.join(dir, 'hamd.sock');
  let daemon: DaemonProcess | undefined = await spawnDaemon(`unix:${socketPath}`,
    ['--threads', '2', '--no-models', '--model', `water=${modelFile}`, '--max-receive-bytes', '65536']);
  const client = await HamdClient.connect(daemon.address);
  const framedPath = `${socketPath}.sessions`;
  t.teardown(async () => { client.close(); await daemon?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const openSessions = async () => (await client.info()).open_sessions ?? -1;

  await t.test('advertised in ServerInfo, created 0600 beside the gRPC socket', async (t) => {
    t.equal((await client.info()).session_socket, `unix:${framedPath}`, 'ServerInfo.session_socket');
    t.equal(fs.statSync(framedPath).mode & 0o777, 0o600, 'mode 0600');
  });

  await t.test('open, 30 steps and close: the same answers as the Session RPC, bitwise', async (t) => {
    const outputs = ['energy', 'forces', 'energies', 'energy_uncertainty'];
    const framed = new FramedClient(framedPath);
    framed.send(request({ open: { atomic_numbers: [8, 1, 1], outputs } }));
    const opened = await framed.next();
    t.match(opened?.response?.opened, { model: 'water', outputs }, 'opened, as on the RPC');
    const rpc = await client.session({ atomicNumbers: [8, 1, 1], outputs: outputs as Array<'energy'> });
    let same = true;
    for (let k = 0; k < 30; k++) {
      const x = WATER.map((v, i) => v + 0.01 * Math.sin(7 * k + i));
      framed.send(request({ step: { positions: positions(x) } }));
      const got = (await framed.next())?.response?.result;
      const want = await rpc.step(Float64Array.from(x));
      const prediction = got?.prediction as { energy?: number; forces?: { data: Uint8Array } } | undefined;
      const forces = prediction?.forces ? new Float64Array(Uint8Array.from(prediction.forces.data).buffer) : new Float64Array(0);
      const equal = (got?.step ?? 0) === k && prediction?.energy === want.energy
        && forces.length === want.forces!.length && forces.every((f, i) => f === want.forces![i]);
      if (!equal && same) t.comment(`step ${k}: ${JSON.stringify({ step: got?.step, energy: prediction?.energy, want: want.energy, forces: Array.from(forces).slice(0, 3), wantForces: Array.from(want.forces!).slice(0, 3) })}`);
      same &&= equal;
    }
    t.ok(same, 'energies and forces of every step bitwise equal to the RPC session\'s');
    await rpc.close();
    framed.send(request({ close: {} }));
    t.match((await framed.next())?.response?.closed, { steps: 30 }, 'closed with the step count');
    const end = await framed.next();
    t.ok(end?.end !== undefined && !end.end.code, 'then SessionEnd with code 0');
    t.ok(await until(async () => framed.closed), 'and the daemon closes the connection');
    t.ok(await until(async () => (await openSessions()) === 0), 'no session left');
  });

  await t.test('a bad step is answered in a result and the session goes on', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(request({ open: { atomic_numbers: [8, 1, 1], outputs: ['energy'] } }));
    await framed.next();
    framed.send(request({ step: { positions: positions([0, 0, NaN, ...WATER.slice(3)]) } }));
    const bad = (await framed.next())?.response?.result;
    t.equal(bad?.error_code, status.INVALID_ARGUMENT, 'NaN: error_code INVALID_ARGUMENT');
    framed.send(request({ step: { positions: positions(WATER) } }));
    t.ok(typeof ((await framed.next())?.response?.result?.prediction as { energy?: number })?.energy === 'number', 'the next step is computed');
    framed.destroy();
  });

  await t.test('errors end the connection with a SessionEnd carrying the status', async (t) => {
    const cases: Array<[string, Buffer, number, RegExp]> = [
      ['an unknown element', request({ open: { atomic_numbers: [6, 1, 1] } }), status.INVALID_ARGUMENT, /C is an element model "water" does not know/],
      ['a step before open', request({ step: { positions: positions(WATER) } }), status.INVALID_ARGUMENT, /first message of a session must be "open"/],
      ['bytes that are no SessionRequest', frame(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02])), status.INVALID_ARGUMENT, /do not parse as hamd\.v1\.SessionRequest/],
      ['a frame over the receive limit', Buffer.from([0xff, 0xff, 0xff, 0x7f]), status.RESOURCE_EXHAUSTED, /frame of 2147483647 bytes, over this daemon's limit of 65536/],
    ];
    for (const [label, bytes, code, message] of cases) {
      const framed = new FramedClient(framedPath);
      framed.send(bytes);
      const end = await framed.next();
      t.equal(end?.end?.code, code, `${label}: code ${status[code]}`);
      t.match(end?.end?.message ?? '', message, `${label}: message`);
      t.ok(await until(async () => framed.closed), `${label}: connection closed`);
    }
    const session = await client.session({ atomicNumbers: [8, 1, 1], outputs: ['energy'] });
    t.ok((await session.step(Float64Array.from(WATER))).energy !== undefined, 'the daemon serves sessions afterwards');
    await session.close();
  });

  await t.test('clients that vanish mid-session free their sessions', async (t) => {
    const clients = Array.from({ length: 20 }, () => new FramedClient(framedPath));
    for (const c of clients) c.send(request({ open: { atomic_numbers: [8, 1, 1], outputs: ['energy'] } }));
    for (const c of clients) await c.next();
    for (const c of clients) c.send(request({ step: { positions: positions(WATER) } }));
    t.ok(await until(async () => (await openSessions()) === 20), '20 sessions open');
    for (const c of clients) c.destroy();
    t.ok(await until(async () => (await openSessions()) === 0), 'all freed after the clients vanished');
    await daemon!.waitFor((l) => l.event === 'session-end' && l.reason === 'client-gone');
  });

  await t.test('shutdown ends open sessions UNAVAILABLE and removes the socket', async (t) => {
    const framed = new FramedClient(framedPath);
    framed.send(request({ open: { atomic_numbers: [8, 1, 1], outputs: ['energy'] } }));
    await framed.next();
    const stopped = daemon!.stop('SIGTERM');
    const end = await framed.next();
    t.equal(end?.end?.code, status.UNAVAILABLE, 'SessionEnd UNAVAILABLE');
    t.equal((await stopped).code, 0, 'the daemon exits 0');
    t.notOk(fs.existsSync(framedPath), 'the session socket is removed');
    daemon = undefined;
  });

  await t.test('--session-socket none: sessions over gRPC only', async (t) => {
    const other = path.join(dir, 'other.sock');
    const plain = await spawnDaemon(`unix:${other}`, ['--threads', '1', '--no-models', '--model', `water=${modelFile}`, '--session-socket', 'none']);
    const c = await HamdClient.connect(plain.address);
    t.equal((await c.info()).session_socket, '', 'ServerInfo.session_socket is empty');
    t.notOk(fs.existsSync(`${other}.sessions`), 'no socket file');
    c.close();
    await plain.stop();
  });
});
