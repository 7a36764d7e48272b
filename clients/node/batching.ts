// Requests larger than one message, in the Node client (as clients/python/hamd/batching.py):
// structures split into consecutive batches within the daemon's limits (ServerInfo.limits), a
// batch refused RESOURCE_EXHAUSTED (its results too large) halved, and the decoded answers joined
// into the result one call would give: blocks of equal key concatenated with their "system" and
// gradient "sample" labels shifted.
import type { Limits__Output } from '../../server/wire/types';
import type { Block, DescriptorResult, GradientBlock, Labels } from './types';

const STRUCTURE_OVERHEAD = 256;  // bytes a structure adds to a request besides its numbers

// [start, stop) ranges of structures within the structure, atom and message-size limits.
export function planBatches(atomCounts: number[], limits: Limits__Output | undefined): Array<[number, number]> {
  const maxStructures = Number(limits?.max_structures_per_request ?? 0) || atomCounts.length || 1;
  const maxAtoms = Number(limits?.max_atoms_per_request ?? 0) || Number.MAX_SAFE_INTEGER;
  const maxBytes = Number(limits?.max_message_bytes ?? 0) || Number.MAX_SAFE_INTEGER;
  const batches: Array<[number, number]> = [];
  let start = 0, atoms = 0, bytes = 0;
  atomCounts.forEach((n, i) => {
    const need = 28 * n + STRUCTURE_OVERHEAD;
    if (i > start && (i - start >= maxStructures || atoms + n > maxAtoms || bytes + need > maxBytes / 2)) {
      batches.push([start, i]);
      start = i; atoms = 0; bytes = 0;
    }
    atoms += n;
    bytes += need;
  });
  if (atomCounts.length > 0) batches.push([start, atomCounts.length]);
  return batches;
}

// Runs `send` on every batch in order, halving those `tooLarge` refuses; progress(k) after each.
export async function runBatches<T>(
  batches: Array<[number, number]>, send: (start: number, stop: number) => Promise<T>,
  tooLarge: (error: unknown) => boolean, progress?: (structures: number) => void,
): Promise<Array<{ start: number; answer: T }>> {
  const pending = [...batches].reverse();
  const answers: Array<{ start: number; answer: T }> = [];
  while (pending.length > 0) {
    const [start, stop] = pending.pop()!;
    let answer: T;
    try {
      answer = await send(start, stop);
    } catch (error) {
      if (stop - start > 1 && tooLarge(error)) {
        const middle = Math.floor((start + stop) / 2);
        pending.push([middle, stop], [start, middle]);
        continue;
      }
      throw error;
    }
    progress?.(stop - start);
    answers.push({ start, answer });
  }
  return answers;
}

function concatLabels(parts: Array<{ labels: Labels; shifts: Record<string, number> }>): Labels {
  const names = parts[0].labels.names;
  const count = parts.reduce((n, p) => n + p.labels.count, 0);
  const values = new Int32Array(count * names.length);
  let row = 0;
  for (const { labels, shifts } of parts) {
    values.set(labels.values, row * names.length);
    names.forEach((name, c) => {
      const shift = shifts[name] ?? 0;
      if (shift !== 0) for (let r = row; r < row + labels.count; r++) values[r * names.length + c] += shift;
    });
    row += labels.count;
  }
  return { names, values, count };
}

function concatFloat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const sameLabels = (a: Labels, b: Labels) => a.names.join() === b.names.join() && a.count === b.count && a.values.every((v, i) => v === b.values[i]);

// One result from the results of consecutive batches (each with its first structure's index).
export function mergeDescriptorResults(parts: Array<{ start: number; answer: DescriptorResult }>): DescriptorResult {
  const keyNames = parts[0].answer.keys.names;
  const byKey = new Map<string, { key: number[]; pieces: Array<{ start: number; block: Block }> }>();
  for (const { start, answer } of parts) {
    answer.blocks.forEach((block, b) => {
      const key = Array.from(answer.keys.values.subarray(b * keyNames.length, (b + 1) * keyNames.length));
      const id = key.join(',');
      if (!byKey.has(id)) byKey.set(id, { key, pieces: [] });
      byKey.get(id)!.pieces.push({ start, block });
    });
  }
  const ordered = [...byKey.values()].sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return 0;
  });
  const blocks: Block[] = ordered.map(({ key, pieces }) => {
    const first = pieces[0].block;
    for (const { block } of pieces) {
      if (!sameLabels(block.properties, first.properties)) throw new Error(`block (${key}): batches have different properties (give species explicitly)`);
    }
    let rows = 0;
    const gradientPieces = new Map<string, Array<{ gradient: GradientBlock; start: number; row: number }>>();
    for (const { start, block } of pieces) {
      for (const gradient of block.gradients) {
        if (!gradientPieces.has(gradient.parameter)) gradientPieces.set(gradient.parameter, []);
        gradientPieces.get(gradient.parameter)!.push({ gradient, start, row: rows });
      }
      rows += block.samples.count;
    }
    const gradients: GradientBlock[] = [...gradientPieces.values()].map((gp) => {
      const samples = concatLabels(gp.map(({ gradient, start, row }) => ({ labels: gradient.samples, shifts: { sample: row, system: start } })));
      return {
        parameter: gp[0].gradient.parameter, components: gp[0].gradient.components, samples,
        values: concatFloat(gp.map(({ gradient }) => gradient.values)), shape: [samples.count, ...gp[0].gradient.shape.slice(1)],
      };
    });
    return {
      samples: concatLabels(pieces.map(({ start, block }) => ({ labels: block.samples, shifts: { system: start } }))),
      components: first.components, properties: first.properties,
      values: concatFloat(pieces.map(({ block }) => block.values)), shape: [rows, ...first.shape.slice(1)], gradients,
    };
  });
  const keyValues = new Int32Array(ordered.length * keyNames.length);
  ordered.forEach(({ key }, b) => keyValues.set(key, b * keyNames.length));
  return {
    keys: { names: keyNames, values: keyValues, count: ordered.length }, blocks,
    computeMicroseconds: parts.reduce((t, p) => t + p.answer.computeMicroseconds, 0),
    queueMicroseconds: parts.reduce((t, p) => t + p.answer.queueMicroseconds, 0),
  };
}
