// The hand-written encoder of a step's answer (server/wire/session-step-encode.ts) must write
// exactly the frame of the generic path (protobufjs' serializer, then responseFrame) for every
// result an energy session sends, and decline (undefined) what it does not cover.
import t from 'tap';
import { energyPrediction } from '../server/daemon/predict';
import { hamdServiceDefinition } from '../server/wire/proto';
import { responseFrame } from '../server/wire/session-frames';
import { encodeStepResultFrame } from '../server/wire/session-step-encode';
import type { SessionResult } from '../server/wire/types';

const service = hamdServiceDefinition();
const generic = (result: SessionResult): Buffer => responseFrame(service.Session.responseSerialize({ result }));

function doubles(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(1.7 * i + seed) * 10 ** ((i % 5) - 2);
  return out;
}

// The energy prediction of n atoms with the given outputs, as the daemon builds it.
function prediction(n: number, outputs: string[], seed: number) {
  return energyPrediction({
    nAtoms: n,
    energy: outputs.includes('energy') ? -1234.5 + seed : undefined,
    energyUncertainty: outputs.includes('energy_uncertainty') ? 0.013 * seed : undefined,
    forces: outputs.includes('forces') ? doubles(3 * n, seed) : undefined,
    energies: outputs.includes('energies') ? doubles(n, seed + 1) : undefined,
    stress: outputs.includes('stress') ? doubles(9, seed + 2) : undefined,
  } as Parameters<typeof energyPrediction>[0]);
}

t.test('step results: the same bytes as the generic serializer', async (t) => {
  const outputSets = [[], ['energy'], ['energy', 'forces'], ['forces', 'stress'],
    ['energy', 'energy_uncertainty', 'forces', 'energies', 'stress']];
  // 1, 21 and 43 atoms (forces of 24, 504, 1032 bytes: one- and two-byte lengths), 6000 atoms
  // (a three-byte length); steps 0, 127, 128 and 2^40 (one- to six-byte varints).
  let cases = 0;
  for (const n of [1, 21, 43, 6000]) {
    for (const [k, outputs] of outputSets.entries()) {
      for (const step of [0, 127, 128, 2 ** 40]) {
        const result: SessionResult = {
          step, prediction: prediction(n, outputs, k + 1), neighbors_rebuilt: step % 2 === 0,
          compute_us: 523.25 + k, queue_us: k === 0 ? 0 : 3.5,
        };
        const fast = encodeStepResultFrame(result);
        t.ok(fast, `encoded: ${n} atoms, ${outputs.join('+') || 'no outputs'}, step ${step}`);
        t.same(fast, generic(result), `bytes: ${n} atoms, ${outputs.join('+') || 'no outputs'}, step ${step}`);
        cases++;
      }
    }
  }
  t.equal(cases, 4 * 5 * 4);
});

t.test('a refused step (error code and message, no prediction)', async (t) => {
  for (const message of ['', 'step.positions: atoms 3 and 7 are 0.01 Å apart (closer than 0.1 Å)', 'é'.repeat(200)]) {
    const result: SessionResult = { step: 12, error_code: 3, error_message: message };
    t.same(encodeStepResultFrame(result), generic(result), `message of ${message.length} characters`);
  }
});

t.test('an empty prediction and absent fields', async (t) => {
  for (const result of [{ prediction: {} }, { step: 4 }, {}, { neighbors_rebuilt: false, compute_us: 0 }] as SessionResult[]) {
    t.same(encodeStepResultFrame(result), generic(result), JSON.stringify(result));
  }
});

t.test('declines what it does not write: the generic path takes it', async (t) => {
  const withHamiltonian: SessionResult = { step: 1, prediction: { ...prediction(3, ['energy'], 1), homo: -0.3 } };
  t.equal(encodeStepResultFrame(withHamiltonian), undefined, 'a Hamiltonian output');
  const warned: SessionResult = { step: 1, prediction: { energy: 1, warnings: ['w'] } };
  t.equal(encodeStepResultFrame(warned), undefined, 'warnings');
  const inRegion: SessionResult = { step: 1, prediction: { forces: { dtype: '<f8', shape: [1, 3], data: Buffer.alloc(0), in_region: true, region_offset: 64 } } };
  t.equal(encodeStepResultFrame(inRegion), undefined, 'an array in a shared-memory region');
  const negative: SessionResult = { step: 1, error_code: -2, error_message: 'x' };
  t.equal(encodeStepResultFrame(negative), undefined, 'a negative code (a ten-byte varint)');
});

t.test('a decoded frame reads back the values', async (t) => {
  const forces = doubles(63, 9);
  const result: SessionResult = { step: 5, prediction: prediction(21, ['energy', 'forces'], 9), neighbors_rebuilt: true, compute_us: 1.5, queue_us: 0 };
  const frame = encodeStepResultFrame(result)!;
  t.equal(frame.readUInt32LE(0), frame.length - 4, 'the header counts the message bytes');
  // SessionSocketFrame{response} = SessionResponse's bytes after its tag and length.
  const response = service.Session.responseDeserialize(frame.subarray(4 + 1 + 2)) as { result: { prediction: { energy: number; forces: { data: Buffer } } } };
  t.equal(response.result.prediction.energy, -1234.5 + 9);
  t.same(new Float64Array(response.result.prediction.forces.data.buffer.slice(
    response.result.prediction.forces.data.byteOffset, response.result.prediction.forces.data.byteOffset + 63 * 8)), forces);
});
