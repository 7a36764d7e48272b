// The daemon's encoding of a session step's answer: the generic path (protobufjs' serializer,
// then the frame) against the hand-written encoder (server/wire/session-step-encode.ts), for
// energy and forces of 9, 21, 99 and 999 atoms; alternating blocks, best of 5 per path.
//   npx tsc -p tsconfig.json && node dist/bench/session-encode.js
import { energyPrediction } from '../server/daemon/predict';
import { hamdServiceDefinition } from '../server/wire/proto';
import { responseFrame } from '../server/wire/session-frames';
import { encodeStepResultFrame } from '../server/wire/session-step-encode';
import type { SessionResult } from '../server/wire/types';

const serialize = hamdServiceDefinition().Session.responseSerialize;

function perCallMicroseconds(encode: () => unknown, calls: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) encode();
  return Number(process.hrtime.bigint() - start) / 1e3 / calls;
}

// Warm-up (both paths compiled by the JIT before anything is timed).
for (let i = 0; i < 20000; i++) {
  const warm: SessionResult = { step: i, prediction: { energy: 1, forces: { dtype: '<f8', shape: [1, 3], data: Buffer.alloc(24) } }, compute_us: 1 };
  responseFrame(serialize({ result: warm }));
  encodeStepResultFrame(warm);
}
console.log('| atoms | generic µs | hand-written µs | ratio |');
console.log('|---:|---:|---:|---:|');
for (const atoms of [9, 21, 99, 999]) {
  const forces = Float64Array.from({ length: 3 * atoms }, (_, i) => Math.sin(i));
  // A fresh result per call, as the daemon builds one per step.
  const result = (): SessionResult => ({
    step: 17, prediction: energyPrediction({ nAtoms: atoms, energy: -1234.5, forces } as Parameters<typeof energyPrediction>[0]),
    neighbors_rebuilt: false, compute_us: 512.5, queue_us: 0,
  });
  const calls = Math.max(2000, Math.round(2e6 / atoms));
  const best = { generic: Infinity, fast: Infinity };
  for (let round = 0; round < 5; round++) {
    best.generic = Math.min(best.generic, perCallMicroseconds(() => responseFrame(serialize({ result: result() })), calls));
    best.fast = Math.min(best.fast, perCallMicroseconds(() => encodeStepResultFrame(result()), calls));
  }
  console.log(`| ${atoms} | ${best.generic.toFixed(2)} | ${best.fast.toFixed(2)} | ${(best.fast / best.generic).toFixed(2)} |`);
}
