// Native result -> ComputeDescriptorsResponse. The typed arrays' memory is handed to
// protobuf as is (no per-number work).
import type { NativeLabels, NativePlacedTensorMap, NativeRegionArray, NativeTensorMap } from '../native/addon';
import { float64Array, int32Array } from '../wire/arrays';
import type { ArrayMessage, ComputeDescriptorsResponse, Labels } from '../wire/types';

// Label tables the addon copied into the request's shared-memory region travel as their offset.
function labels(native: NativeLabels<Int32Array | NativeRegionArray>): Labels {
  const width = native.names.length;
  const count = width === 0 ? 0 : native.values.length / width;
  if (native.values instanceof Int32Array) return { names: native.names, values: int32Array(native.values, [count, width]) };
  return { names: native.names, values: { dtype: '<i4', shape: [count, width], in_region: true, region_offset: native.values.regionOffset } };
}

// Values in the request's shared-memory region travel as their offset there.
function values(array: { values: Float64Array | NativeRegionArray; shape: number[] }): ArrayMessage {
  if (array.values instanceof Float64Array) return float64Array(array.values, array.shape);
  return { dtype: '<f8', shape: [...array.shape], in_region: true, region_offset: array.values.regionOffset };
}

export function toResponse(result: NativeTensorMap | NativePlacedTensorMap): ComputeDescriptorsResponse {
  return {
    ...('outputBytes' in result ? { output_bytes: result.outputBytes } : {}),
    keys: labels(result.keys),
    blocks: result.blocks.map((block) => ({
      samples: labels(block.samples),
      components: block.components.map(labels),
      properties: labels(block.properties),
      values: values(block),
      gradients: block.gradients.map((gradient) => ({
        parameter: gradient.parameter,
        samples: labels(gradient.samples),
        components: gradient.components.map(labels),
        values: values(gradient),
      })),
    })),
    compute_us: result.computeMicroseconds,
    queue_us: result.queueMicroseconds,
  };
}

// Bytes of the bulk arrays of a response (in the message or the region), for logs.
export function responseBytes(result: NativeTensorMap | NativePlacedTensorMap): number {
  const bytes = (shape: number[]) => 8 * shape.reduce((a, b) => a * b, 1);
  let total = 0;
  for (const block of result.blocks) {
    total += bytes(block.shape);
    for (const gradient of block.gradients) total += bytes(gradient.shape);
  }
  return total;
}

// Bytes the result holds in the daemon (and again in its encoded answer) until the answer is
// out: arrays and label tables not in the client's shared-memory region (the admission's
// memory budget, ./unary.ts).
export function heldBytes(result: NativeTensorMap | NativePlacedTensorMap): number {
  const size = (array: { byteLength: number } | NativeRegionArray) => ('byteLength' in array ? array.byteLength : 0);
  let total = 0;
  for (const block of result.blocks) {
    total += size(block.values) + size(block.samples.values) + size(block.properties.values);
    for (const gradient of block.gradients) total += size(gradient.values) + size(gradient.samples.values);
  }
  return 2 * total;  // the arrays, and the answer's bytes encoded from them
}
