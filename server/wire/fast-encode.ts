// Hand-written protobuf encoder for ComputeDescriptorsResponse. The generic encoder
// (protobufjs) copies bulk bytes field by field at well under 1 GB/s; here every bulk
// array is copied exactly once, with a plain memcpy, into a buffer sized in advance.
// Field numbers follow proto/hamd/v1/hamd.proto; test/wire.test.ts checks that the
// generic decoder reads back exactly what the generic encoder would have written. Like the
// generic encoder, it skips fields that are absent (undefined or null) and writes those present
// even when empty or 0.
import type { ArrayMessage, Block, ComputeDescriptorsResponse, GradientBlock, Labels } from './types';

// An encoded message as a list of chunks (small headers and views of bulk data).
class Chunks {
  readonly parts: Uint8Array[] = [];
  length = 0;

  push(part: Uint8Array): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.length += part.length;
  }

  append(other: Chunks): void {
    for (const part of other.parts) this.parts.push(part);
    this.length += other.length;
  }
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;

function tag(field: number, wire: number): number[] {
  return varintBytes(field * 8 + wire);
}

function lengthDelimited(target: Chunks, field: number, payload: Chunks): void {
  target.push(Uint8Array.from([...tag(field, WIRE_LENGTH), ...varintBytes(payload.length)]));
  target.append(payload);
}

function stringField(target: Chunks, field: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  target.push(Uint8Array.from([...tag(field, WIRE_LENGTH), ...varintBytes(bytes.length)]));
  target.push(bytes);
}

function doubleField(target: Chunks, field: number, value: number | string | undefined): void {
  if (value === undefined || value === null) return; // written even when 0, as protobufjs does
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleLE(Number(value), 0);
  target.push(Uint8Array.from(tag(field, WIRE_FIXED64)));
  target.push(bytes);
}

// Non-negative integers and booleans, written when present (as protobufjs does).
function varintField(target: Chunks, field: number, value: number | string | boolean | object | undefined | null): void {
  if (value === undefined || value === null) return;
  const v = typeof value === 'boolean' ? Number(value) : Number(value);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`fast-encode: field ${field} value ${String(value)} is not a non-negative integer`);
  target.push(Uint8Array.from([...tag(field, WIRE_VARINT), ...varintBytes(v)]));
}

// The daemon's arrays carry numbers as shape and bytes as data; a (base64) string data is
// decoded as protobufjs would.
function arrayMessage(array: ArrayMessage): Chunks {
  const out = new Chunks();
  if (array.dtype) stringField(out, 1, array.dtype);
  const shape = array.shape ?? [];
  if (shape.length > 0) {
    const packed: number[] = [];
    for (const dim of shape) {
      const size = Number(dim);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`fast-encode: shape entry ${String(dim)} is not a size`);
      packed.push(...varintBytes(size));
    }
    out.push(Uint8Array.from([...tag(2, WIRE_LENGTH), ...varintBytes(packed.length), ...packed]));
  }
  const data = typeof array.data === 'string' ? Buffer.from(array.data, 'base64') : array.data;
  if (data) { // written even when empty, as protobufjs does
    out.push(Uint8Array.from([...tag(3, WIRE_LENGTH), ...varintBytes(data.length)]));
    out.push(data);
  }
  varintField(out, 6, array.in_region);       // the bytes are in the request's output region,
  varintField(out, 7, array.region_offset);   // at this offset
  return out;
}

function labelsMessage(labels: Labels): Chunks {
  const out = new Chunks();
  for (const name of labels.names ?? []) stringField(out, 1, name);
  if (labels.values) lengthDelimited(out, 2, arrayMessage(labels.values));
  return out;
}

function gradientMessage(gradient: GradientBlock): Chunks {
  const out = new Chunks();
  if (gradient.parameter) stringField(out, 1, gradient.parameter);
  if (gradient.samples) lengthDelimited(out, 2, labelsMessage(gradient.samples));
  for (const component of gradient.components ?? []) lengthDelimited(out, 3, labelsMessage(component));
  if (gradient.values) lengthDelimited(out, 4, arrayMessage(gradient.values));
  return out;
}

function blockMessage(block: Block): Chunks {
  const out = new Chunks();
  if (block.samples) lengthDelimited(out, 1, labelsMessage(block.samples));
  for (const component of block.components ?? []) lengthDelimited(out, 2, labelsMessage(component));
  if (block.properties) lengthDelimited(out, 3, labelsMessage(block.properties));
  if (block.values) lengthDelimited(out, 4, arrayMessage(block.values));
  for (const gradient of block.gradients ?? []) lengthDelimited(out, 5, gradientMessage(gradient));
  return out;
}

export function encodeComputeDescriptorsResponse(response: ComputeDescriptorsResponse): Buffer {
  const message = new Chunks();
  if (response.keys) lengthDelimited(message, 1, labelsMessage(response.keys));
  for (const block of response.blocks ?? []) lengthDelimited(message, 2, blockMessage(block));
  doubleField(message, 3, response.compute_us);
  doubleField(message, 4, response.queue_us);
  varintField(message, 6, response.output_bytes);
  const output = Buffer.allocUnsafe(message.length);
  let offset = 0;
  for (const part of message.parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}
