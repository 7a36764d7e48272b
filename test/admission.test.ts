// The daemon's admission (server/daemon/unary.ts Admission): back-pressure on the queue and the
// memory budget, and per-client shares of both (hamd serve --client-share), as a unit; then one
// client's share through a running daemon, over the framed socket, with another client served
// meanwhile.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import t from 'tap';
import { Admission } from '../server/daemon/unary';
import { HamdClient } from '../clients/node';
import { spawnDaemon, tempDir, until } from './helpers/daemon';
import { FramedClient, methodTypes, positions, request } from './helpers/framed-client';

const MiB = 2 ** 20;

function refusal(enter: () => unknown): string | undefined {
  try {
    enter();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

t.test('a client holds at most its share of the queue; others and anonymous callers are not held to it', async (t) => {
  const admission = new Admission(8, Number.POSITIVE_INFINITY, 0.5);
  const a = [1, 2, 3, 4].map(() => admission.enter('ComputeDescriptors', 10, 2, 'a'));
  t.match(refusal(() => admission.enter('ComputeDescriptors', 10, 2, 'a')) ?? '', /busy: this client has 4 requests waiting or computing.*--client-share 0.5 of --max-queued 8/,
    'a fifth request of client a: busy, naming the flag');
  const b = [1, 2, 3].map(() => admission.enter('ComputeDescriptors', 10, 2, 'b'));
  const anonymous = admission.enter('ComputeDescriptors', 10, 2);
  t.match(refusal(() => admission.enter('ComputeDescriptors', 10, 2, 'c')) ?? '', /8 requests are waiting or computing.*--max-queued 8/, 'the whole queue still bounds everyone');
  a[0].leave();
  t.equal(refusal(() => admission.enter('ComputeDescriptors', 10, 2, 'a')), undefined, 'a place of a freed: a is admitted again');
  for (const place of [...a, ...b, anonymous]) place.leave();
});

t.test('a client holds at most its share of the memory budget; its first request always enters', async (t) => {
  const admission = new Admission(100, 100 * MiB, 0.5);
  const first = admission.enter('ComputeDescriptors', 10, 2, 'a');
  first.weigh(20 * MiB);  // the method now weighs 20 MiB a request
  const second = admission.enter('ComputeDescriptors', 10, 2, 'a');
  second.weigh(20 * MiB);
  t.match(refusal(() => admission.enter('ComputeDescriptors', 10, 2, 'a')) ?? '', /this client's 2 requests hold about 40 MiB of results, and this one would add about 20 MiB, over its share of the memory budget \(hamd serve --client-share 0.5 of --memory-budget-mb 100\)/,
    'a third 20 MiB request of a (60 of its 50 MiB): busy');
  const other = admission.enter('ComputeDescriptors', 10, 2, 'b');
  t.ok(other, 'b is admitted meanwhile (the budget has room for it)');
  other.leave();
  first.leave();
  second.leave();
  const big = admission.enter('ComputeDescriptors', 10, 2, 'a');
  big.weigh(400 * MiB);
  big.leave();
  t.ok(admission.enter('ComputeDescriptors', 10, 2, 'a'), 'a request of an idle client enters whatever the method weighs');
});

t.test('--client-share 1: no per-client rule', async (t) => {
  const admission = new Admission(4, Number.POSITIVE_INFINITY, 1);
  const places = [1, 2, 3, 4].map(() => admission.enter('Predict', 10, 1, 'a'));
  t.match(refusal(() => admission.enter('Predict', 10, 1, 'a')) ?? '', /4 requests are waiting or computing \(hamd serve --max-queued 4\)/, 'only the queue bound');
  for (const place of places) place.leave();
});

t.test('through the daemon: a client over its share is told busy, another is served', async (t) => {
  const dir = tempDir();
  const socket = path.join(dir, 'hamd.sock');
  const daemon = await spawnDaemon(`unix:${socket}`, ['--threads', '1', '--no-models', '--max-queued', '4', '--client-share', '0.5']);
  t.teardown(async () => { await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  // Work of a second or more each (one compute thread).
  const x: number[] = [];
  const z: number[] = [];
  for (let i = 0; i < 400; i++) {
    const [p, q, r] = [i % 8, Math.floor(i / 8) % 8, Math.floor(i / 64)].map((k) => 3.1 * k);
    x.push(p, q, r + 0.12, p, q + 0.75, r - 0.46, p, q - 0.77, r - 0.47);
    z.push(8, 1, 1);
  }
  const slow = { structures: [{ atomic_numbers: z, positions: positions(x) }], kind: 'power-spectrum', hypers: { cutoff: 6, max_radial: 8, max_angular: 6 } };
  const small = { structures: [{ atomic_numbers: [8, 1, 1], positions: positions([0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47]) }], kind: 'power-spectrum', hypers: { cutoff: 4, max_radial: 3, max_angular: 2 } };
  const connections = [1, 2, 3].map(() => new FramedClient(`${socket}.sessions`));
  const other = new FramedClient(`${socket}.sessions`);
  t.teardown(() => { for (const c of [...connections, other]) c.destroy(); });
  // A ComputeDescriptors call in the name of `client` (FramedCall.client).
  const encode = (message: Record<string, unknown>) => { const type = methodTypes('ComputeDescriptors').request; return type.encode(type.fromObject(message)).finish(); };
  const call = (message: Record<string, unknown>, client: string) => request({ call: { method: 'ComputeDescriptors', request: encode(message), client } });
  connections[0].send(call(slow, 'a'));
  connections[1].send(call(slow, 'a'));
  await new Promise((r) => setTimeout(r, 300));
  connections[2].send(call(slow, 'a'));
  const third = (await connections[2].next(60000))?.reply;
  t.equal(third?.code, status.RESOURCE_EXHAUSTED, "a's third request: RESOURCE_EXHAUSTED");
  t.match(third?.message ?? '', /busy: this client has 2 requests.*--client-share 0.5/, 'busy for its share');
  t.ok((third?.retry_ms ?? 0) > 0, 'with a retry hint');
  other.send(call(small, 'b'));
  const b = (await other.next(60000))?.reply;
  t.equal(b?.code ?? 0, 0, 'b is served while a holds its share');
  for (const c of connections.slice(0, 2)) t.equal((await c.next(120000))?.reply?.code ?? 0, 0, "a's admitted requests complete");
  const line = daemon.logs.find((l) => l.event === 'request' && l.client === 'b');
  t.ok(line, 'the request log names the client');
  const node = await HamdClient.connect(daemon.address);
  await node.computeDescriptors([{ atomicNumbers: [8, 1, 1], positions: [0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47] }],
    { kind: 'power-spectrum', hypers: { cutoff: 4, max_radial: 3, max_angular: 2 } });
  node.close();
  const name = `node:${os.hostname()}:${process.pid}`;
  t.ok(await until(async () => daemon.logs.some((l) => l.event === 'request' && l.client === name)), `the Node client names itself (${name})`);
});
