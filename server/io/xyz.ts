// Reader for (extended) XYZ files, one or more frames:
//   line 1: number of atoms
//   line 2: comment; extended XYZ puts key=value pairs here, of which we use
//           Lattice="ax ay az bx by bz cx cy cz" (rows a, b, c; Angstrom),
//           pbc="T T T" (default T T T when Lattice is given, else F F F) and
//           Properties=species:S:1:pos:R:3:... (column layout; default species then pos)
//   then one line per atom.
import { atomicNumber } from './elements';

export interface XyzFrame {
  atomicNumbers: number[];
  positions: Float64Array; // n x 3, Angstrom
  cell?: Float64Array;     // 9, rows = lattice vectors
  pbc: [boolean, boolean, boolean];
}

// key=value pairs of an extended XYZ comment line; values may be "quoted" or {braced}.
export function parseCommentLine(line: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const pattern = /([A-Za-z_][\w:-]*)\s*=\s*("(?:[^"\\]|\\.)*"|\{[^}]*\}|[^\s"]+)/g;
  for (const match of line.matchAll(pattern)) {
    let value = match[2];
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith('{') && value.endsWith('}'))) value = value.slice(1, -1);
    pairs.set(match[1].toLowerCase(), value.trim());
  }
  return pairs;
}

function parseBool(word: string, where: string): boolean {
  if (/^(t|true|1)$/i.test(word)) return true;
  if (/^(f|false|0)$/i.test(word)) return false;
  throw new Error(`${where}: "${word}" is not a boolean (T/F)`);
}

interface Columns {
  species: number; // column index of the species
  position: number; // column index of x (y, z follow)
  count: number;   // minimum number of columns per atom line
}

function parseProperties(spec: string | undefined, where: string): Columns {
  if (spec === undefined) return { species: 0, position: 1, count: 4 };
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) throw new Error(`${where}: Properties="${spec}" is not name:type:count triples`);
  let column = 0;
  let species = -1;
  let position = -1;
  for (let i = 0; i < parts.length; i += 3) {
    const [name, type, countText] = [parts[i].toLowerCase(), parts[i + 1].toUpperCase(), parts[i + 2]];
    const count = Number(countText);
    if (!Number.isInteger(count) || count < 1) throw new Error(`${where}: Properties "${parts[i]}" has count "${countText}"`);
    if ((name === 'species' || name === 'z' || name === 'numbers') && species < 0) species = column;
    if ((name === 'pos' || name === 'positions') && type === 'R' && count === 3) position = column;
    column += count;
  }
  if (species < 0) throw new Error(`${where}: Properties="${spec}" has no species column`);
  if (position < 0) throw new Error(`${where}: Properties="${spec}" has no pos:R:3 column`);
  return { species, position, count: column };
}

function parseNumber(word: string, where: string): number {
  const value = Number(word);
  if (word === undefined || word.length === 0 || (Number.isNaN(value) && !/^nan$/i.test(word))) {
    throw new Error(`${where}: "${word}" is not a number`);
  }
  return value;
}

export function parseXyz(text: string, source = 'xyz'): XyzFrame[] {
  const lines = text.split(/\r?\n/);
  const frames: XyzFrame[] = [];
  let line = 0;
  while (line < lines.length) {
    if (lines[line].trim() === '') { line++; continue; }
    const header = lines[line].trim();
    const where = `${source}:${line + 1}`;
    if (!/^\d+$/.test(header)) throw new Error(`${where}: expected the number of atoms, found "${header}"`);
    const n = Number(header);
    if (line + 1 >= lines.length) throw new Error(`${where}: comment line missing`);
    const comment = lines[line + 1] ?? '';
    const info = parseCommentLine(comment);
    const columns = parseProperties(info.get('properties'), `${source}:${line + 2}`);

    let cell: Float64Array | undefined;
    const lattice = info.get('lattice');
    if (lattice !== undefined) {
      const numbers = lattice.split(/\s+/).map((w) => parseNumber(w, `${source}:${line + 2}: Lattice`));
      if (numbers.length !== 9) throw new Error(`${source}:${line + 2}: Lattice has ${numbers.length} numbers, expected 9`);
      cell = Float64Array.from(numbers);
    }
    let pbc: [boolean, boolean, boolean] = cell ? [true, true, true] : [false, false, false];
    const pbcText = info.get('pbc');
    if (pbcText !== undefined) {
      const words = pbcText.split(/\s+/);
      if (words.length !== 3) throw new Error(`${source}:${line + 2}: pbc="${pbcText}" needs 3 values`);
      pbc = words.map((w) => parseBool(w, `${source}:${line + 2}: pbc`)) as [boolean, boolean, boolean];
      if (pbc.some(Boolean) && !cell) throw new Error(`${source}:${line + 2}: pbc="${pbcText}" but no Lattice`);
    }

    const atomicNumbers: number[] = [];
    const positions = new Float64Array(3 * n);
    for (let atom = 0; atom < n; atom++) {
      const lineNumber = line + 2 + atom;
      const atomWhere = `${source}:${lineNumber + 1}`;
      if (lineNumber >= lines.length || lines[lineNumber].trim() === '') throw new Error(`${atomWhere}: frame of ${n} atoms is truncated`);
      const words = lines[lineNumber].trim().split(/\s+/);
      if (words.length < columns.count) throw new Error(`${atomWhere}: ${words.length} columns, expected ${columns.count}`);
      const z = atomicNumber(words[columns.species]);
      if (z === undefined) throw new Error(`${atomWhere}: "${words[columns.species]}" is not an element`);
      atomicNumbers.push(z);
      for (let k = 0; k < 3; k++) positions[3 * atom + k] = parseNumber(words[columns.position + k], atomWhere);
    }
    frames.push({ atomicNumbers, positions, cell, pbc });
    line += 2 + n;
  }
  if (frames.length === 0) throw new Error(`${source}: no frames`);
  return frames;
}
