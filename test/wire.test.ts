// The hand-written response encoder must produce exactly the bytes of the generic
// protobuf encoder, for every shape of response the daemon sends.
import t from 'tap';
import { toResponse } from '../server/daemon/respond';
import { encodeComputeDescriptorsResponse } from '../server/wire/fast-encode';
import { hamdServiceDefinition } from '../server/wire/proto';
import type { NativeLabels, NativeTensorMap } from '../server/native/addon';

function labels(names: string[], count: number, seed: number): NativeLabels {
  const values = new Int32Array(count * names.length);
  for (let i = 0; i < values.length; i++) values[i] = (i * 7919 + seed) % 1000 - 3;
  return { names, values };
}

function doubles(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i + seed) * 10 ** ((i % 7) - 3);
  return out;
}

function response(withGradients: boolean, withComponents: boolean): NativeTensorMap {
  const blocks = [0, 1, 2].map((b) => {
    const samples = 5 + b;
    const mu = withComponents ? 2 * b + 1 : 0;
    const properties = 300 + b; // large enough for multi-byte varint lengths
    const width = (mu || 1) * properties;
    return {
      samples: labels(['system', 'atom'], samples, b),
      components: withComponents ? [labels(['o3_mu'], mu, b)] : [],
      properties: labels(['n_1', 'n_2', 'l'], properties, b + 10),
      values: doubles(samples * width, b),
      shape: withComponents ? [samples, mu, properties] : [samples, properties],
      gradients: withGradients
        ? [{
            parameter: 'positions' as const,
            samples: labels(['sample', 'system', 'atom'], 2 * samples, b + 20),
            components: [labels(['xyz'], 3, 0), ...(withComponents ? [labels(['o3_mu'], mu, b)] : [])],
            values: doubles(2 * samples * 3 * width, b + 30),
            shape: withComponents ? [2 * samples, 3, mu, properties] : [2 * samples, 3, properties],
          }]
        : [],
    };
  });
  return {
    keys: labels(['o3_lambda', 'o3_sigma', 'center_type'], blocks.length, 99),
    blocks,
    computeMicroseconds: 1234.5,
    queueMicroseconds: withGradients ? 0 : 17.25,
  };
}

t.test('fast response encoder matches the generic protobuf encoder byte for byte', async (t) => {
  const generic = hamdServiceDefinition().ComputeDescriptors;
  for (const withGradients of [false, true]) {
    for (const withComponents of [false, true]) {
      const message = toResponse(response(withGradients, withComponents));
      const fast = encodeComputeDescriptorsResponse(message);
      const reference = generic.responseSerialize(message);
      t.ok(fast.equals(reference), `gradients ${withGradients}, components ${withComponents}: ${fast.length} bytes`);
      const decoded = generic.responseDeserialize(fast) as { blocks: { values: { data: Buffer } }[] };
      t.equal(decoded.blocks.length, 3, 'decodes to three blocks');
    }
  }
  // A request with a shared-memory output region: some arrays there (offsets), others in the
  // message, and the bytes all need.
  const mixed = response(true, true);
  const placed = {
    ...mixed, outputBytes: 123456789,
    blocks: mixed.blocks.map((block, b) => ({
      ...block,
      values: b === 1 ? block.values : { regionOffset: 64 + 4096 * b, length: block.values.length },
      gradients: block.gradients.map((g) => ({ ...g, values: { regionOffset: 2 ** 40 + 64 * b, length: g.values.length } })),
    })),
  };
  const placedMessage = toResponse(placed);
  const placedFast = encodeComputeDescriptorsResponse(placedMessage);
  t.ok(placedFast.equals(generic.responseSerialize(placedMessage)), `arrays in a shared-memory region: ${placedFast.length} bytes`);
  const back = generic.responseDeserialize(placedFast) as { output_bytes: number; blocks: { values: { in_region: boolean; region_offset: number; data: Buffer } }[] };
  t.same([back.output_bytes, back.blocks[0].values.in_region, back.blocks[0].values.region_offset, back.blocks[0].values.data?.length ?? 0], [123456789, true, 64, 0], 'offset, flag and no bytes for a placed array');
  t.ok(!back.blocks[1].values.in_region && back.blocks[1].values.data.length > 0, 'an array that did not fit travels in the message');
  const empty = toResponse({ keys: { names: [], values: new Int32Array(0) }, blocks: [], computeMicroseconds: 0, queueMicroseconds: 0 });
  t.ok(encodeComputeDescriptorsResponse(empty).equals(generic.responseSerialize(empty)), 'empty response');
});
