// Native result -> ComputeDescriptorsResponse. The typed arrays' memory is handed to
// protobuf as is (no per-number work).
import type { NativeLabels, NativeTensorMap } from '../native/addon';
import { float64Array, int32Array } from '../wire/arrays';
import type { ComputeDescriptorsResponseMsg, LabelsMsg } from '../wire/messages';

function labels(native: NativeLabels): LabelsMsg {
  const width = native.names.length;
  const count = width === 0 ? 0 : native.values.length / width;
  return { names: native.names, values: int32Array(native.values, [count, width]) };
}

export function toResponse(result: NativeTensorMap): ComputeDescriptorsResponseMsg {
  return {
    keys: labels(result.keys),
    blocks: result.blocks.map((block) => ({
      samples: labels(block.samples),
      components: block.components.map(labels),
      properties: labels(block.properties),
      values: float64Array(block.values, block.shape),
      gradients: block.gradients.map((gradient) => ({
        parameter: gradient.parameter,
        samples: labels(gradient.samples),
        components: gradient.components.map(labels),
        values: float64Array(gradient.values, gradient.shape),
      })),
    })),
    compute_us: result.computeMicroseconds,
    queue_us: result.queueMicroseconds,
  };
}

// Bytes of the bulk arrays of a response, for logs.
export function responseBytes(result: NativeTensorMap): number {
  let total = 0;
  for (const block of result.blocks) {
    total += block.values.byteLength;
    for (const gradient of block.gradients) total += gradient.values.byteLength;
  }
  return total;
}
