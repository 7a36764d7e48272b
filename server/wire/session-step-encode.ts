// Hand-written encoder for the answer to an MD step on the framed session socket: the frame
// header and SessionSocketFrame{response: SessionResponse{result: SessionResult}} in one buffer.
// An MD step of a small molecule answers a few hundred bytes, and the generic path (protobufjs'
// fromObject and encode over five nested messages, then the frame's own copy) cost ~16 µs of a
// step's serving time measured in the daemon's MD loop; this writes each byte once. It covers
// what an energy model's step answers (SessionResult with energy, energy_uncertainty, forces,
// stress, energies; or an error) and returns undefined for anything else (a Hamiltonian
// session's outputs), which then takes the generic path. Fields are written in field-number
// order when present, as protobufjs writes them: test/session-step-encode.test.ts checks the
// bytes against the generic path. Field numbers: proto/hamd/v1/hamd.proto.
import { FRAME_HEADER_BYTES } from './session-frames';
import type { ArrayMessage, SessionResult, StructurePrediction } from './types';

const PREDICTION_FIELDS = new Set(['energy', 'energy_uncertainty', 'forces', 'stress', 'energies']);

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size += 1;
  }
  return size;
}

// Writes into one preallocated buffer; every size was computed before.
class Writer {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number): void {
    while (value >= 0x80) {
      this.buffer[this.offset++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.offset++] = value;
  }

  double(tagByte: number, value: number): void {
    this.buffer[this.offset++] = tagByte;
    this.buffer.writeDoubleLE(value, this.offset);
    this.offset += 8;
  }

  bytes(tagByte: number, value: Uint8Array): void {
    this.buffer[this.offset++] = tagByte;
    this.varint(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }
}

const isSize = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

// An Array as the daemon builds it (dtype, numeric shape, bytes); undefined otherwise.
interface PlainArray { dtype: Buffer; shape: number[]; packedShape: number; data: Uint8Array; size: number }

function plainArray(array: ArrayMessage | null | undefined): PlainArray | undefined {
  if (!array || typeof array.data === 'string' || !array.data || array.in_region !== undefined || array.region_offset !== undefined) return undefined;
  if (!array.dtype) return undefined;
  const shape = (array.shape ?? []).map(Number);
  if (!shape.every(isSize)) return undefined;
  const dtype = Buffer.from(array.dtype, 'utf8');
  const packedShape = shape.reduce((sum, dim) => sum + varintSize(dim), 0);
  const data = array.data;
  const size = 1 + varintSize(dtype.length) + dtype.length
    + (shape.length > 0 ? 1 + varintSize(packedShape) + packedShape : 0)
    + 1 + varintSize(data.length) + data.length;
  return { dtype, shape, packedShape, data, size };
}

function writeArray(out: Writer, tagByte: number, array: PlainArray): void {
  out.buffer[out.offset++] = tagByte;
  out.varint(array.size);
  out.bytes(0x0a, array.dtype);                  // Array.dtype = 1
  if (array.shape.length > 0) {
    out.buffer[out.offset++] = 0x12;             // Array.shape = 2, packed
    out.varint(array.packedShape);
    for (const dim of array.shape) out.varint(dim);
  }
  out.bytes(0x1a, array.data);                   // Array.data = 3
}

const numberOrUndefined = (value: number | string | undefined | null): number | undefined =>
  value === undefined || value === null ? undefined : Number(value);

// The whole frame for a step's result, or undefined when the result holds anything this
// encoder does not write (the caller then uses the generic serializer).
export function encodeStepResultFrame(result: SessionResult): Buffer | undefined {
  const prediction: StructurePrediction | null | undefined = result.prediction;
  let forces: PlainArray | undefined;
  let stress: PlainArray | undefined;
  let energies: PlainArray | undefined;
  let energy: number | undefined;
  let energyUncertainty: number | undefined;
  let predictionSize = 0;
  if (prediction) {
    for (const key of Object.keys(prediction)) {
      const value = (prediction as Record<string, unknown>)[key];
      if (value !== undefined && value !== null && !PREDICTION_FIELDS.has(key)) return undefined;
    }
    energy = numberOrUndefined(prediction.energy);
    energyUncertainty = numberOrUndefined(prediction.energy_uncertainty);
    if (energy !== undefined) predictionSize += 9;
    if (energyUncertainty !== undefined) predictionSize += 9;
    for (const [name, array] of [['forces', prediction.forces], ['stress', prediction.stress], ['energies', prediction.energies]] as const) {
      if (array === undefined || array === null) continue;
      const plain = plainArray(array);
      if (!plain) return undefined;
      predictionSize += 1 + varintSize(plain.size) + plain.size;
      if (name === 'forces') forces = plain;
      else if (name === 'stress') stress = plain;
      else energies = plain;
    }
  }
  if (typeof result.step === 'object' && result.step !== null) return undefined;  // a Long: the daemon sends numbers
  const step = numberOrUndefined(result.step);
  const errorCode = result.error_code;
  if (step !== undefined && !isSize(step)) return undefined;
  if (errorCode !== undefined && errorCode !== null && !isSize(errorCode)) return undefined;
  const errorMessage = result.error_message === undefined || result.error_message === null ? undefined : Buffer.from(result.error_message, 'utf8');
  const computeUs = numberOrUndefined(result.compute_us);
  const queueUs = numberOrUndefined(result.queue_us);

  let resultSize = 0;
  if (step !== undefined) resultSize += 1 + varintSize(step);
  if (prediction) resultSize += 1 + varintSize(predictionSize) + predictionSize;
  if (result.neighbors_rebuilt !== undefined && result.neighbors_rebuilt !== null) resultSize += 2;
  if (computeUs !== undefined) resultSize += 9;
  if (queueUs !== undefined) resultSize += 9;
  if (errorCode !== undefined && errorCode !== null) resultSize += 1 + varintSize(errorCode);
  if (errorMessage) resultSize += 1 + varintSize(errorMessage.length) + errorMessage.length;
  const responseSize = 1 + varintSize(resultSize) + resultSize;
  const frameSize = 1 + varintSize(responseSize) + responseSize;

  const out = new Writer(Buffer.allocUnsafe(FRAME_HEADER_BYTES + frameSize));
  out.buffer.writeUInt32LE(frameSize, 0);
  out.offset = FRAME_HEADER_BYTES;
  out.buffer[out.offset++] = 0x0a;               // SessionSocketFrame.response = 1
  out.varint(responseSize);
  out.buffer[out.offset++] = 0x12;               // SessionResponse.result = 2
  out.varint(resultSize);
  if (step !== undefined) {
    out.buffer[out.offset++] = 0x08;             // SessionResult.step = 1
    out.varint(step);
  }
  if (prediction) {
    out.buffer[out.offset++] = 0x12;             // SessionResult.prediction = 2
    out.varint(predictionSize);
    if (energy !== undefined) out.double(0x59, energy);                                 // energy = 11
    if (forces) writeArray(out, 0x62, forces);                                          // forces = 12
    if (stress) writeArray(out, 0x6a, stress);                                          // stress = 13
    if (energies) writeArray(out, 0x72, energies);                                      // energies = 14
    if (energyUncertainty !== undefined) out.double(0x79, energyUncertainty);           // energy_uncertainty = 15
  }
  if (result.neighbors_rebuilt !== undefined && result.neighbors_rebuilt !== null) {
    out.buffer[out.offset++] = 0x18;             // SessionResult.neighbors_rebuilt = 3
    out.buffer[out.offset++] = result.neighbors_rebuilt ? 1 : 0;
  }
  if (computeUs !== undefined) out.double(0x21, computeUs);   // compute_us = 4
  if (queueUs !== undefined) out.double(0x29, queueUs);       // queue_us = 5
  if (errorCode !== undefined && errorCode !== null) {
    out.buffer[out.offset++] = 0x30;             // error_code = 6
    out.varint(errorCode);
  }
  if (errorMessage) out.bytes(0x3a, errorMessage);            // error_message = 7
  if (out.offset !== out.buffer.length) throw new Error(`session step encoder: wrote ${out.offset} of ${out.buffer.length} bytes`);
  return out.buffer;
}
