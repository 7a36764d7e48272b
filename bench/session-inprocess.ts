// The Node half of bench/sessions.py: per-step wall time of an MD session evaluated in process
// (the addon's EnergySession called directly, no gRPC) and through the Node client's Session
// stream, so that the Python script can subtract the in-process baseline from its own session
// times, interleaved in one run. Not meant to be run by hand.
//
//   node dist/bench/session-inprocess.js --model PATH --threads N
//
// Protocol (one JSON object a line): it prints {"ready": true, "metadata": {...}} once the model
// is loaded, then answers each request line
//   {"mode": "inprocess" | "node-client", "numbers": [...], "cell": [9], "pbc": [b, b, b],
//    "frames": "file of float64 [steps, n, 3]", "steps": K, "skin": s, "address": "unix:...",
//    "model": "NAME"}
// with {"wall_us": [...], "compute_us": [...], "rebuilds": r}: one entry per step after the first
// (the first builds the neighbour list from scratch and warms caches, as in any MD run).
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { HamdClient } from '../clients/node';
import { loadAddon } from '../server/native/addon';
import type { EnergyModelHandle } from '../server/native/model-addon';

interface Request {
  mode: 'inprocess' | 'node-client';
  numbers: number[];
  cell: number[];
  pbc: [boolean, boolean, boolean];
  frames: string;
  steps: number;
  skin: number;
  address?: string;
  model?: string;
}

interface Timings { wall_us: number[]; compute_us: number[]; rebuilds: number }

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

// Each frame is a view into one buffer: no copy per step, as a simulation code would pass its
// own position array.
function readFrames(file: string, steps: number, atoms: number): Float64Array[] {
  const bytes = fs.readFileSync(file);
  const all = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const frames: Float64Array[] = [];
  for (let k = 0; k < steps; k++) frames.push(all.subarray(k * atoms * 3, (k + 1) * atoms * 3));
  return frames;
}

const microseconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e3;

interface StepTimes { computeMicroseconds: number; neighborsRebuilt: boolean }

// Times every step after the first (which builds the neighbour list from scratch and warms
// caches, as in any MD run); the same loop for both modes, so that they differ only in the call.
async function timeSteps(frames: Float64Array[], step: (positions: Float64Array) => Promise<StepTimes>): Promise<Timings> {
  const timings: Timings = { wall_us: [], compute_us: [], rebuilds: 0 };
  for (let k = 0; k < frames.length; k++) {
    const start = process.hrtime.bigint();
    const result = await step(frames[k]);
    const wall = microseconds(start);
    if (k === 0) continue;
    timings.wall_us.push(wall);
    timings.compute_us.push(result.computeMicroseconds);
    if (result.neighborsRebuilt) timings.rebuilds++;
  }
  return timings;
}

async function inProcess(model: EnergyModelHandle, request: Request, frames: Float64Array[]): Promise<Timings> {
  const session = model.openSession({
    system: { types: Int32Array.from(request.numbers), cell: Float64Array.from(request.cell), pbc: request.pbc },
    skin: request.skin, outputs: ['energy', 'forces'], units: 'ev',
  });
  try {
    // On the calling thread (the pool is idle: one caller, one step at a time), as a program
    // linking the engine would call it: the baseline is the step at its cheapest, without the
    // pool's two thread hand-offs, which the daemon also skips for its only session's small steps.
    return await timeSteps(frames, (positions) => session.step(positions, undefined, undefined, true));
  } finally {
    session.close();
  }
}

async function nodeClient(client: HamdClient, request: Request, frames: Float64Array[]): Promise<Timings> {
  const session = await client.session({
    atomicNumbers: request.numbers, cell: request.cell, pbc: request.pbc,
    outputs: ['energy', 'forces'], model: request.model, skin: request.skin,
  });
  try {
    return await timeSteps(frames, (positions) => session.step(positions));
  } finally {
    await session.close();
  }
}

async function main(): Promise<void> {
  const modelPath = option('--model');
  if (!modelPath) throw new Error('--model PATH is required');
  const engine = loadAddon().createEngine(Number(option('--threads') ?? 2));
  const model = engine.loadModel(modelPath);
  const metadata = model.metadata();
  if (metadata.kind !== 'energy') throw new Error(`${modelPath} is a ${metadata.kind} model, not an energy model`);
  const energyModel = model as EnergyModelHandle;
  const clients = new Map<string, HamdClient>();
  console.log(JSON.stringify({ ready: true, metadata: { ...metadata, extra: JSON.parse(metadata.extraJson || '{}'), extraJson: undefined } }));
  // One request at a time: the Python side waits for each answer, so runs never overlap.
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const request = JSON.parse(line) as Request;
    const frames = readFrames(request.frames, request.steps, request.numbers.length);
    let result: Timings;
    if (request.mode === 'inprocess') {
      result = await inProcess(energyModel, request, frames);
    } else {
      const address = request.address!;
      if (!clients.has(address)) clients.set(address, await HamdClient.connect(address));
      result = await nodeClient(clients.get(address)!, request, frames);
    }
    console.log(JSON.stringify(result));
  }
  for (const client of clients.values()) client.close();
  engine.close();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
