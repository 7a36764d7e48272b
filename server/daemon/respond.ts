// Native result -> ComputeDescriptorsResponse. The typed arrays' memory is handed to
// protobuf as is (no per-number work).
import type { NativeLabels, NativeTensorMap } from '../native/addon';
import { float64Array, int32Array } from '../wire/arrays';
import type { ArrayMessage, ComputeDescriptorsResponse, Labels } from '../wire/types';

function labels(native: NativeLabels): Labels {
  const width = native.names.length;
  const count = width === 0 ? 0 : native.values.length / width;
  return { names: native.names, values: int32Array(native.values, [count, width]) };
}

function values(array: { values: Float64Array; shape: number[] }): ArrayMessage {
  return float64Array(array.values, array.shape);
}

export function toResponse(result: NativeTensorMap): ComputeDescriptorsResponse {
  return {
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

// Bytes of the bulk arrays of a response, for logs.
export function responseBytes(result: NativeTensorMap): number {
  const bytes = (shape: number[]) => 8 * shape.reduce((a, b) => a * b, 1);
  let total = 0;
  for (const block of result.blocks) {
    total += bytes(block.shape);
    for (const gradient of block.gradients) total += bytes(gradient.shape);
  }
  return total;
}
