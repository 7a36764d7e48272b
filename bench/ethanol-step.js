#!/usr/bin/env node
// Per-step time of an in-process MD session (the addon's EnergySession, no gRPC) on ethanol with
// an energy model, for one or more builds of the addon in one run: each round runs every build in
// a child process of its own (alternating the order, so that a machine that slows down affects
// all alike), and the best median per build is kept. Also prints a SHA-256 of the bits of every
// step's energy and forces, so that builds that must agree bitwise can be compared.
//
//   node bench/ethanol-step.js [--model models/default-energy.npz] [--rounds 5] [--steps 400]
//                              ADDON.node [ADDON.node ...]
//
// e.g. a baseline build copied aside (cp build/addon/Release/hamd.node /tmp/before.node) against
// this checkout's: node bench/ethanol-step.js /tmp/before.node build/addon/Release/hamd.node
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const path = require('node:path');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};

// Child: one session of `steps` steps on one build; prints {median_us, min_us, checksum}.
async function child(addonPath, modelPath, steps) {
  const engine = require(path.resolve(addonPath)).createEngine(1);
  const model = engine.loadModel(modelPath);
  const session = model.openSession({
    system: { types: Int32Array.from([6, 6, 8, 1, 1, 1, 1, 1, 1]), cell: new Float64Array(9), pbc: [false, false, false] },
    skin: 0.5, outputs: ['energy', 'forces'], units: 'ev',
  });
  const base = [-0.0, 0.58, 0.0, 1.26, -0.37, 0.0, -1.2, -0.17, 0.0, -0.03, 1.22, 0.89, -0.03, 1.22, -0.89,
    1.3, -1.01, 0.88, 1.3, -1.01, -0.88, 2.1, 0.36, 0.0, -1.95, 0.43, 0.0];
  const positions = Float64Array.from(base);
  const hash = crypto.createHash('sha256');
  const times = [];
  for (let s = 0; s < steps; ++s) {
    for (let k = 0; k < positions.length; ++k) positions[k] = base[k] + 0.02 * Math.sin(0.1 * s + k);
    const start = process.hrtime.bigint();
    const r = await session.step(positions);
    const us = Number(process.hrtime.bigint() - start) / 1e3;
    hash.update(Buffer.from(Float64Array.of(r.energy).buffer)).update(Buffer.from(r.forces.buffer, r.forces.byteOffset, r.forces.byteLength));
    if (s >= steps / 4) times.push(us);  // the first quarter warms caches
  }
  session.close();
  engine.close();
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ median_us: times[times.length >> 1], min_us: times[0], checksum: hash.digest('hex') }));
}

function main() {
  const modelPath = option('model', path.join(__dirname, '..', 'models', 'default-energy.npz'));
  const rounds = Number(option('rounds', '5'));
  const steps = Number(option('steps', '400'));
  const childAddon = option('child');
  if (childAddon) return child(childAddon, modelPath, steps);
  if (args.length === 0) {
    console.error('usage: node bench/ethanol-step.js [--model PATH] [--rounds N] [--steps N] ADDON.node [ADDON.node ...]');
    process.exit(2);
  }
  const best = new Map(), checksums = new Map();
  for (let round = 0; round < rounds; ++round) {
    const order = round % 2 === 0 ? args : [...args].reverse();
    for (const addon of order) {
      const run = spawnSync(process.execPath, [__filename, '--child', addon, '--model', modelPath, '--steps', String(steps)], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${addon}: ${run.stderr}`);
      const result = JSON.parse(run.stdout);
      if (!best.has(addon) || result.median_us < best.get(addon).median_us) best.set(addon, result);
      if (checksums.has(addon) && checksums.get(addon) !== result.checksum) throw new Error(`${addon}: results differ between runs`);
      checksums.set(addon, result.checksum);
    }
  }
  const first = best.get(args[0]).median_us;
  console.log(`# ${path.relative(process.cwd(), modelPath)}, ethanol, ${steps} steps (last ${steps - steps / 4} timed), 1 thread, best median of ${rounds} rounds`);
  console.log('| build | median us/step | min us/step | / first | checksum of energies and forces |\n|---|---|---|---|---|');
  for (const addon of args) {
    const r = best.get(addon);
    console.log(`| ${addon} | ${r.median_us.toFixed(1)} | ${r.min_us.toFixed(1)} | ${(r.median_us / first).toFixed(3)} | ${r.checksum.slice(0, 16)} |`);
  }
}

main();
