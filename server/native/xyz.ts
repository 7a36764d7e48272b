// (Extended) XYZ files, read by the core's reader (addon/core/io/xyz.hpp: the one reader of
// the project; its header documents the format). Errors name the source and the line.
import { loadAddon } from './addon';
import type { XyzFrame } from './types';

export type { XyzFrame } from './types';

export function parseXyz(text: string, source = 'xyz'): XyzFrame[] {
  return loadAddon().readXyz(text, source);
}

// The core's element table: "H" ... "Og"; "Z<z>" outside 1..118.
export function elementSymbol(z: number): string {
  return loadAddon().elementSymbol(z);
}
