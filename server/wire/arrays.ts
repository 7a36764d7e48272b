// proto `Array` <-> typed arrays. Bulk data is copied at most once (memcpy), never
// element by element: the wire format is little-endian and so is this machine
// (assertLittleEndian is called at start-up).
import * as os from 'node:os';
import type { ArrayMessage, ArrayMessage__Output } from './types';
import { invalidArgument } from './status';

export function assertLittleEndian(): void {
  if (os.endianness() !== 'LE') {
    throw new Error('hamd needs a little-endian machine: arrays travel as raw little-endian bytes');
  }
}

type Typed = Float64Array | Int32Array;

function bytesOf(array: Typed): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

export function float64Array(values: Float64Array, shape: readonly number[]): ArrayMessage {
  return { dtype: '<f8', shape: [...shape], data: bytesOf(values) };
}

export function int32Array(values: Int32Array, shape: readonly number[]): ArrayMessage {
  return { dtype: '<i4', shape: [...shape], data: bytesOf(values) };
}

const itemSize: Record<string, number> = { '<f8': 8, '<i4': 4 };

// View of `data` as T when aligned, else an aligned copy.
function view<T extends Typed>(ctor: { new (buffer: ArrayBufferLike, offset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number }, data: Uint8Array): T {
  const count = data.byteLength / ctor.BYTES_PER_ELEMENT;
  if (data.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(data.buffer, data.byteOffset, count);
  const copy = new ctor(count);
  new Uint8Array(copy.buffer).set(data);
  return copy;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// Checks dtype, shape and byte length of a received Array; `where` names it in errors.
export function checkArray(message: ArrayMessage__Output | null | undefined, where: string, dtype: string): { shape: number[]; data: Uint8Array } {
  if (!message) throw invalidArgument(`${where}: missing`);
  if (message.dtype !== dtype) {
    throw invalidArgument(`${where}: dtype "${message.dtype}" but expected "${dtype}"`);
  }
  const shape = message.shape.map(Number);
  for (const [axis, size] of shape.entries()) {
    if (!Number.isSafeInteger(size) || size < 0) throw invalidArgument(`${where}: shape[${axis}] = ${size} is not a valid size`);
  }
  const data = message.data ?? new Uint8Array(0);
  const expected = product(shape) * itemSize[dtype];
  if (data.byteLength !== expected) {
    throw invalidArgument(`${where}: ${data.byteLength} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
  }
  return { shape, data };
}

export function decodeFloat64(message: ArrayMessage__Output | null | undefined, where: string): { shape: number[]; values: Float64Array } {
  const { shape, data } = checkArray(message, where, '<f8');
  return { shape, values: view(Float64Array, data) };
}

export function decodeInt32(message: ArrayMessage__Output | null | undefined, where: string): { shape: number[]; values: Int32Array } {
  const { shape, data } = checkArray(message, where, '<i4');
  return { shape, values: view(Int32Array, data) };
}
