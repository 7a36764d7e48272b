// Requests larger than one message in the Node client and the CLI (clients/node/batching.ts): a
// daemon with tiny limits answers, through batches, exactly what a daemon with room answers in
// one call (keys, samples, properties, values, gradients bitwise), halving batches whose results
// are too large; `hamd descriptors` on it writes the same .npz as on the roomy daemon, with a
// progress bar.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { HamdClient, type DescriptorResult } from '../clients/node';
import { parseXyz } from '../server/native/xyz';
import { packageRoot } from '../server/base/paths';
import { runCliAsync, spawnDaemon, tempDir } from './helpers/daemon';

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

function same(a: DescriptorResult, b: DescriptorResult): boolean {
  if (!sameBits(a.keys.values, b.keys.values) || a.blocks.length !== b.blocks.length) return false;
  return a.blocks.every((block, i) => {
    const other = b.blocks[i];
    return sameBits(block.samples.values, other.samples.values) && sameBits(block.properties.values, other.properties.values)
      && sameBits(block.values, other.values) && block.shape.join() === other.shape.join()
      && block.gradients.every((g, k) => sameBits(g.samples.values, other.gradients[k].samples.values) && sameBits(g.values, other.gradients[k].values));
  });
}

t.test('batches within the daemon\'s limits give the one-call result', async (t) => {
  const dir = tempDir();
  const roomy = await spawnDaemon(`unix:${path.join(dir, 'roomy.sock')}`, ['--threads', '2', '--no-models']);
  // 3 structures, 40 atoms, 2 MiB of results per request (one 9-atom molecule with gradients at
  // max_radial 4, max_angular 3 is 1.15 MiB: three are over, so batches are halved).
  const tight = await spawnDaemon(`unix:${path.join(dir, 'tight.sock')}`, ['--threads', '2', '--no-models',
    '--max-structures', '3', '--max-atoms', '40', '--max-output-bytes', String(2 << 20)]);
  const a = await HamdClient.connect(roomy.address);
  const b = await HamdClient.connect(tight.address);
  t.teardown(async () => { a.close(); b.close(); await roomy.stop(); await tight.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  const file = path.join(packageRoot, 'data', 'bench', 'organics100.xyz');
  const frames = parseXyz(fs.readFileSync(file, 'utf8'), file).slice(0, 10);

  for (const [label, hypers] of [['small results', { cutoff: 4, max_radial: 3, max_angular: 2 }], ['results over the limit', { cutoff: 4, max_radial: 4, max_angular: 3 }]] as const) {
    const counts: number[] = [];
    const whole = await a.computeDescriptors(frames, { kind: 'power-spectrum', hypers, gradients: ['positions'] });
    const split = await b.computeDescriptorsBatched(frames, { kind: 'power-spectrum', hypers, gradients: ['positions'] }, (k) => counts.push(k));
    t.ok(counts.length >= 4 && counts.reduce((x, y) => x + y, 0) === frames.length, `${label}: ${counts.length} batches (${counts.join(', ')})`);
    t.ok(same(whole, split), `${label}: bitwise the one-call result`);
  }
  await t.rejects(b.computeDescriptorsBatched(frames.slice(0, 1), { kind: 'power-spectrum', hypers: { cutoff: 5, max_radial: 6, max_angular: 5 }, gradients: ['positions'] }),
    { code: 8 }, 'one structure over the limits: RESOURCE_EXHAUSTED');

  const input = path.join(dir, 'ten.xyz');
  fs.writeFileSync(input, fs.readFileSync(file, 'utf8').split('\n').slice(0, 10 * 11).join('\n') + '\n');
  const args = ['descriptors', input, '--kind', 'power-spectrum', '--max-radial', '3', '--max-angular', '2', '--cutoff', '4', '--gradients', 'positions', '--no-autostart'];
  const viaTight = await runCliAsync([...args, '--address', tight.address, '-o', path.join(dir, 'tight.npz')]);
  const viaRoomy = await runCliAsync([...args, '--address', roomy.address, '-o', path.join(dir, 'roomy.npz')]);
  t.equal(viaTight.code, 0, `hamd descriptors through the tight daemon exits 0 ${viaTight.stderr}`);
  t.match(viaTight.stderr, /structures\s+\[#+\.*\] \d+\/10/, 'with a progress bar');
  t.equal(viaRoomy.code, 0, 'and through the roomy one');
  t.ok(fs.readFileSync(path.join(dir, 'tight.npz')).equals(fs.readFileSync(path.join(dir, 'roomy.npz'))), 'the same .npz bytes as through the roomy daemon');
});
