// Small structures for the daemon tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StructureInput } from '../../clients/node';
import { parseXyz } from '../../server/native/xyz';
import { packageRoot } from '../../server/base/paths';

export const water: StructureInput = {
  atomicNumbers: [8, 1, 1],
  positions: [[0, 0, 0.117], [0, 0.757, -0.467], [0, -0.757, -0.467]],
};

export const methane: StructureInput = {
  atomicNumbers: [6, 1, 1, 1, 1],
  positions: [[0, 0, 0], [0.629, 0.629, 0.629], [-0.629, -0.629, 0.629], [-0.629, 0.629, -0.629], [0.629, -0.629, -0.629]],
};

// Two periodic water frames (triclinic and cubic cells).
export function fixtureFrames(name: string): StructureInput[] {
  const file = path.join(packageRoot, 'test', 'fixtures', name);
  return parseXyz(fs.readFileSync(file, 'utf8'), file);
}

// A larger periodic box of water for requests that take a while: the cell repeated.
export function waterBox(repeat: number): StructureInput {
  const [frame] = fixtureFrames('water-cell.xyz');
  const cell = Float64Array.from(frame.cell as ArrayLike<number>);
  const base = Float64Array.from(frame.positions as ArrayLike<number>);
  const numbers: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < repeat; i++) for (let j = 0; j < repeat; j++) for (let k = 0; k < repeat; k++) {
    for (let atom = 0; atom < frame.atomicNumbers.length; atom++) {
      numbers.push(frame.atomicNumbers[atom]);
      for (let x = 0; x < 3; x++) positions.push(base[3 * atom + x] + i * cell[x] + j * cell[3 + x] + k * cell[6 + x]);
    }
  }
  const big = Array.from(cell, (v) => v * repeat);
  return { atomicNumbers: numbers, positions: Float64Array.from(positions), cell: big, pbc: [true, true, true] };
}
