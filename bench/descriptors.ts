// Descriptor benchmark (issues 2 and 9): microseconds per atom of the power spectrum, in process
// (native engine through the addon) and through the daemon over a Unix socket: the Node client
// (arrays in the gRPC message) and the Python client (bench/descriptors_client.py: in the message,
// and in a registered shared-memory region, docs/shared-memory.md), with and without position
// gradients, 1 and 2 threads.
// The C++-only figures with and without neighbour-list construction come from
// bench/descriptors_native.cpp, which this script runs first when it has been built.
//
//   npm run build:ts && node dist/bench/descriptors.js [--repeats N] [--rounds R] [--skip-native] [--gradients none|positions]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HamdClient } from '../clients/node';
import { parseXyz, type XyzFrame } from '../server/native/xyz';
import { loadAddon, NativeDescriptorRequest, NativeEngine } from '../server/native/addon';

const root = path.resolve(__dirname, '..', '..');
const dataDir = process.env.HAMD_BENCH_DATA ?? path.join(root, 'data', 'bench');
const hypers = { cutoff: 5, cutoff_width: 0.5, max_radial: 7, max_angular: 6, density_width: 0.3, center_atom_weight: 1 };
const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1]) || 5;
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) || 1 : 3;
// --gradients none|positions: only the rows without (or with) position gradients.
const onlyGradients = args.includes('--gradients') ? args[args.indexOf('--gradients') + 1] : undefined;
const gradientRows = ([[], ['positions']] as string[][])
  .filter((g) => onlyGradients === undefined || (g.length ? 'positions' : 'none') === onlyGradients);

interface Dataset { name: string; frames: XyzFrame[]; atoms: number }

function load(name: string): Dataset {
  const frames = parseXyz(fs.readFileSync(path.join(dataDir, name), 'utf8'), name);
  return { name, frames, atoms: frames.reduce((n, f) => n + f.atomicNumbers.length, 0) };
}

function nativeRequest(set: Dataset, gradients: string[]): NativeDescriptorRequest {
  return {
    systems: set.frames.map((f) => ({
      types: Int32Array.from(f.atomicNumbers),
      positions: f.positions,
      cell: f.cell ?? new Float64Array(9),
      pbc: f.pbc,
    })),
    kind: 'power-spectrum',
    hypers,
    species: new Int32Array(0),
    maxLambda: -1,
    gradients,
    maxOutputBytes: 0,
  };
}

// Best of `repeats` runs after one warm-up (tables, caches): microseconds per atom.
async function best(run: () => Promise<unknown>, atoms: number): Promise<number> {
  await run();
  let bestUs = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    await run();
    bestUs = Math.min(bestUs, Number(process.hrtime.bigint() - start) / 1e3);
  }
  return bestUs / atoms;
}

async function waitForSocket(file: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`daemon did not create ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface PythonRow { message_us_per_atom?: number; shared_memory_us_per_atom?: number }

// bench/descriptors_client.py for one row (python3 with numpy and ASE), or undefined when it fails.
// `env`: a TCP daemon's token and certificate (the client then streams the answer).
function pythonClient(address: string, file: string, gradients: string[], env: NodeJS.ProcessEnv = process.env, extra: string[] = []): PythonRow | undefined {
  const run = spawnSync('python3', [path.join(root, 'bench', 'descriptors_client.py'), address, path.join(dataDir, file),
    '--gradients', gradients.join(','), '--repeats', String(repeats), '--hypers', JSON.stringify(hypers), ...extra], { encoding: 'utf8', env });
  if (run.status !== 0) {
    console.error(`(python client: ${run.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  if (!args.includes('--skip-native')) {
    const binary = path.join(root, 'build', 'native', 'bench_descriptors_native');
    if (fs.existsSync(binary)) {
      console.log('## C++ core (bench/descriptors_native.cpp)\n');
      spawnSync(binary, [dataDir], { stdio: 'inherit' });
    } else {
      console.log(`(skipping the C++ figures: build ${binary} with \`npm test -- native\` first)`);
    }
  }
  const sets = [load('water64.xyz'), load('organics100.xyz')];
  const addon = loadAddon();
  console.log('\n## In process (addon) vs through the daemon (Unix socket), power spectrum');
  console.log(`hypers ${JSON.stringify(hypers)}; best of ${repeats}; us/atom; ratios over in process (shared memory: the median over ${rounds} rounds of the round's ratio)\n`);
  console.log('| structures | threads | gradients | in process | Node client, message | ratio | Python, message | ratio | Python, shared memory | ratio | Python, TCP + TLS (streamed) | ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const threads of [1, 2]) {
    const engine: NativeEngine = addon.createEngine(threads);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hamd-bench-'));
    const socket = path.join(dir, 'hamd.sock');
    const daemon = spawn(process.execPath, [path.join(root, 'bin', 'hamd.js'), 'serve', '--listen', `unix:${socket}`,
      '--threads', String(threads), '--log-level', 'error', '--no-models',
      '--max-output-bytes', '2GiB', '--max-send-bytes', '2GiB'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // The same daemon on TCP loopback (TLS and a token, made in `dir`): the remote-client path.
    const tokenFile = path.join(dir, 'token');
    const tcpDaemon = spawn(process.execPath, [path.join(root, 'bin', 'hamd.js'), 'serve', '--listen', '127.0.0.1:0',
      '--token-file', tokenFile, '--threads', String(threads), '--no-models', '--session-socket', 'none',
      '--max-output-bytes', '2GiB', '--max-send-bytes', '2GiB'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const tcpAddress = new Promise<string>((resolve, reject) => {
      let text = '';
      tcpDaemon.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const listening = text.split('\n').map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((l) => l.event === 'listening');
        if (listening) resolve(String(listening.address));
      });
      tcpDaemon.once('exit', () => reject(new Error(`TCP daemon exited: ${text.slice(-500)}`)));
    });
    const tcpEnv = { ...process.env, HAMD_TOKEN_FILE: tokenFile, HAMD_TLS_CERT: path.join(dir, 'cert.pem') };
    try {
      await waitForSocket(socket, 20000);
      const tcp = await tcpAddress;
      const client = await HamdClient.connect(`unix:${socket}`, { timeoutMs: 20000 });
      for (const set of sets) {
        for (const gradients of gradientRows) {
          // In process before and after the daemon's rows, the faster kept: on a shared machine a
          // slow spell during one measurement must not flatter the daemon's ratios.
          const inProcessBefore = await best(() => engine.computeDescriptors(nativeRequest(set, gradients)), set.atoms);
          const structures = set.frames.map((f) => ({ atomicNumbers: f.atomicNumbers, positions: f.positions, cell: f.cell, pbc: f.pbc }));
          const inMessage = await best(() => client.computeDescriptors(structures, {
            kind: 'power-spectrum', hypers, gradients: gradients as ('positions')[],
          }), set.atoms);
          const python = pythonClient(`unix:${socket}`, set.name, gradients);
          const remote = pythonClient(tcp, set.name, gradients, tcpEnv);
          let inProcess = Math.min(inProcessBefore, await best(() => engine.computeDescriptors(nativeRequest(set, gradients)), set.atoms));
          // The shared-memory figure is the one the goal is about (docs/performance.md): more
          // rounds of it, each right after an in-process measurement. Its ratio is the median of
          // the rounds' ratios, each of two figures taken moments apart: on a shared machine a
          // fast or slow spell then weighs on both sides of a ratio alike.
          const sharedRatios: number[] = [];
          if (python?.shared_memory_us_per_atom !== undefined) sharedRatios.push(python.shared_memory_us_per_atom / inProcessBefore);
          for (let round = 1; round < rounds && python?.shared_memory_us_per_atom !== undefined; round++) {
            const before = await best(() => engine.computeDescriptors(nativeRequest(set, gradients)), set.atoms);
            const again = pythonClient(`unix:${socket}`, set.name, gradients, process.env, ['--shared-memory-only'])?.shared_memory_us_per_atom;
            inProcess = Math.min(inProcess, before);
            if (again === undefined) continue;
            python.shared_memory_us_per_atom = Math.min(python.shared_memory_us_per_atom, again);
            sharedRatios.push(again / before);
          }
          const sharedRatio = sharedRatios.sort((a, b) => a - b)[Math.floor((sharedRatios.length - 1) / 2)];
          const cell = (us: number | undefined) => (us === undefined ? 'n/a | n/a' : `${us.toFixed(2)} | ${(us / inProcess).toFixed(3)}`);
          console.log(`| ${set.name} (${set.atoms} atoms) | ${threads} | ${gradients.length ? 'positions' : 'none'} | ` +
            `${inProcess.toFixed(2)} | ${cell(inMessage)} | ${cell(python?.message_us_per_atom)} | ` +
            `${python?.shared_memory_us_per_atom === undefined ? 'n/a | n/a' : `${python.shared_memory_us_per_atom.toFixed(2)} | ${sharedRatio.toFixed(3)}`} | ` +
            `${cell(remote?.message_us_per_atom)} |`);
        }
      }
      client.close();
    } finally {
      tcpDaemon.kill('SIGTERM');
      await new Promise((r) => (tcpDaemon.exitCode !== null ? r(undefined) : tcpDaemon.once('exit', r)));
      daemon.kill('SIGTERM');
      engine.close();
      await new Promise((r) => daemon.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
