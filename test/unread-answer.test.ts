// An answer the client never reads (issue 9: one such client held 2.9 GB of the daemon): a raw
// HTTP/2 client sends a ComputeDescriptors request for ~30 MB of gradients and pauses its stream,
// so its flow-control window stays shut. After --stalled-stream-timeout without progress the
// daemon resets the stream (logged answer-unread, RST_STREAM CANCEL) and keeps serving.
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import t from 'tap';
import { HamdClient } from '../clients/node';
import { hamdProtoFile, protoRoot } from '../server/base/paths';
import { spawnDaemon, tempDir } from './helpers/daemon';
import { water, waterBox } from './helpers/structures';

t.test('an answer nobody reads is reset after the stall timeout; the daemon serves on', async (t) => {
  const dir = tempDir();
  const socket = path.join(dir, 'hamd.sock');
  const daemon = await spawnDaemon(`unix:${socket}`, ['--threads', '2', '--no-models', '--stalled-stream-timeout', '1']);
  t.teardown(async () => { await daemon.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  const root = new protobuf.Root();
  root.loadSync(path.join(protoRoot, hamdProtoFile), { keepCase: true });
  const Request = root.lookupType('hamd.v1.ComputeDescriptorsRequest');
  const box = waterBox(2);
  const request = Request.encode(Request.fromObject({
    structures: [{ atomic_numbers: box.atomicNumbers, positions: { dtype: '<f8', shape: [box.atomicNumbers.length, 3], data: Buffer.from((box.positions as Float64Array).buffer) },
      cell: { dtype: '<f8', shape: [3, 3], data: Buffer.from(Float64Array.from(box.cell as number[]).buffer) }, pbc: [true, true, true] }],
    kind: 'power-spectrum', hypers: { cutoff: 5, max_radial: 7, max_angular: 6 }, gradients: ['positions'],
  })).finish();
  const frame = Buffer.alloc(5 + request.length);
  frame.writeUInt32BE(request.length, 1);
  Buffer.from(request).copy(frame, 5);

  const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
  t.teardown(() => session.destroy());
  const stream = session.request({ ':method': 'POST', ':path': '/hamd.v1.Hamd/ComputeDescriptors', 'content-type': 'application/grpc', te: 'trailers' });
  stream.pause();  // never read: the window stays shut once the first bytes arrive
  stream.end(frame);
  const closed = new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? -1)));

  const line = await daemon.waitFor((l) => l.event === 'answer-unread', 30000);
  t.ok(Number(line.pending_bytes) > 1e6, `the daemon gave up on ${line.pending_bytes} unsent bytes`);
  t.equal(await closed, http2.constants.NGHTTP2_CANCEL, 'the stream was reset (RST_STREAM CANCEL)');

  const client = await HamdClient.connect(daemon.address);
  t.teardown(() => client.close());
  const answer = await client.computeDescriptors([water], { kind: 'power-spectrum', hypers: { cutoff: 3.5, max_radial: 3, max_angular: 3 } });
  t.ok(answer.blocks.length > 0, 'the daemon still serves');
});
