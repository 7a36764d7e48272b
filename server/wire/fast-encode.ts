// Hand-written protobuf encoder for ComputeDescriptorsResponse. The generic encoder
// (protobufjs) copies bulk bytes field by field at well under 1 GB/s; here every bulk
// array is copied exactly once, with a plain memcpy, into a buffer sized in advance.
// Field numbers follow proto/hamd/v1/hamd.proto; test/wire.test.ts checks that the
// generic decoder reads back exactly what the generic encoder would have written.
import type { ArrayMsg, BlockMsg, ComputeDescriptorsResponseMsg, GradientBlockMsg, LabelsMsg } from './messages';

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

function doubleField(target: Chunks, field: number, value: number | undefined): void {
  if (value === undefined || value === null) return; // written even when 0, as protobufjs does
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleLE(value, 0);
  target.push(Uint8Array.from(tag(field, WIRE_FIXED64)));
  target.push(bytes);
}

function arrayMessage(array: ArrayMsg): Chunks {
  const out = new Chunks();
  if (array.dtype) stringField(out, 1, array.dtype);
  if (array.shape.length > 0) {
    const packed: number[] = [];
    for (const dim of array.shape) packed.push(...varintBytes(dim));
    out.push(Uint8Array.from([...tag(2, WIRE_LENGTH), ...varintBytes(packed.length), ...packed]));
  }
  const data = array.data;
  if (data) { // written even when empty, as protobufjs does
    out.push(Uint8Array.from([...tag(3, WIRE_LENGTH), ...varintBytes(data.length)]));
    out.push(data);
  }
  return out;
}

function labelsMessage(labels: LabelsMsg): Chunks {
  const out = new Chunks();
  for (const name of labels.names) stringField(out, 1, name);
  if (labels.values) lengthDelimited(out, 2, arrayMessage(labels.values));
  return out;
}

function gradientMessage(gradient: GradientBlockMsg): Chunks {
  const out = new Chunks();
  if (gradient.parameter) stringField(out, 1, gradient.parameter);
  lengthDelimited(out, 2, labelsMessage(gradient.samples));
  for (const component of gradient.components) lengthDelimited(out, 3, labelsMessage(component));
  lengthDelimited(out, 4, arrayMessage(gradient.values));
  return out;
}

function blockMessage(block: BlockMsg): Chunks {
  const out = new Chunks();
  lengthDelimited(out, 1, labelsMessage(block.samples));
  for (const component of block.components) lengthDelimited(out, 2, labelsMessage(component));
  lengthDelimited(out, 3, labelsMessage(block.properties));
  lengthDelimited(out, 4, arrayMessage(block.values));
  for (const gradient of block.gradients) lengthDelimited(out, 5, gradientMessage(gradient));
  return out;
}

export function encodeComputeDescriptorsResponse(response: ComputeDescriptorsResponseMsg): Buffer {
  const message = new Chunks();
  lengthDelimited(message, 1, labelsMessage(response.keys));
  for (const block of response.blocks) lengthDelimited(message, 2, blockMessage(block));
  doubleField(message, 3, response.compute_us);
  doubleField(message, 4, response.queue_us);
  const output = Buffer.allocUnsafe(message.length);
  let offset = 0;
  for (const part of message.parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}
