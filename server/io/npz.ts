// Writes .npz files (what numpy.savez writes, without compression): a zip archive
// of stored (uncompressed) .npy files, format version 1.0. Little-endian only.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

export type NpyData =
  | { dtype: '<f8'; shape: number[]; values: Float64Array }
  | { dtype: '<i4'; shape: number[]; values: Int32Array }
  | { dtype: 'str'; shape: number[]; values: string[] }; // written as '<U{max length}'

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// zlib.crc32 exists from Node 20.15; the table version is the fallback.
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

function crc32(chunks: Uint8Array[]): number {
  // (empty chunks skipped: zlib.crc32 returns 0 for a zero-length view of an empty buffer)
  if (nativeCrc32) return chunks.reduce((crc, chunk) => (chunk.length > 0 ? nativeCrc32(chunk, crc) : crc), 0) >>> 0;
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) crc = crcTable[(crc ^ chunk[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function shapeText(shape: number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

// The .npy v1.0 header: magic, version, header length, then a Python dict literal
// padded with spaces so that the data starts at a multiple of 64 bytes.
function npyHeader(descr: string, shape: number[]): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const unpadded = 10 + dict.length + 1;
  const padding = (64 - (unpadded % 64)) % 64;
  const text = dict + ' '.repeat(padding) + '\n';
  if (text.length > 0xffff) throw new Error('npy header too long');
  const header = Buffer.alloc(10 + text.length);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(text.length, 8);
  header.write(text, 10, 'latin1');
  return header;
}

// Header and data chunks of one .npy file; numeric data is not copied.
export function npyChunks(array: NpyData): Uint8Array[] {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.values.length) {
    throw new Error(`npy: shape [${array.shape.join(', ')}] but ${array.values.length} values`);
  }
  if (array.dtype === 'str') {
    const codepoints = array.values.map((s) => Array.from(s, (c) => c.codePointAt(0) as number));
    const width = Math.max(1, ...codepoints.map((c) => c.length));
    const data = new Uint32Array(count * width);
    codepoints.forEach((c, i) => data.set(c, i * width));
    return [npyHeader(`<U${width}`, array.shape), new Uint8Array(data.buffer)];
  }
  const values = array.values;
  return [npyHeader(array.dtype, array.shape), new Uint8Array(values.buffer, values.byteOffset, values.byteLength)];
}

interface Entry { name: Buffer; crc: number; size: number; offset: number }

const ZIP_LIMIT = 0xffffffff;

// Writes `arrays` to `file` as an npz; names get ".npy" appended (numpy strips it).
export function writeNpz(file: string, arrays: Map<string, NpyData>): void {
  const fd = fs.openSync(file, 'w');
  try {
    let offset = 0;
    const write = (chunk: Uint8Array) => {
      fs.writeSync(fd, chunk);
      offset += chunk.length;
    };
    const entries: Entry[] = [];
    for (const [name, array] of arrays) {
      const chunks = npyChunks(array);
      const size = chunks.reduce((n, c) => n + c.length, 0);
      if (size >= ZIP_LIMIT || offset >= ZIP_LIMIT) throw new Error(`npz: ${name} would need zip64 (over 4 GiB), not supported`);
      const entry: Entry = { name: Buffer.from(`${name}.npy`, 'utf8'), crc: crc32(chunks), size, offset };
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0); // local file header
      local.writeUInt16LE(20, 4);          // version needed
      local.writeUInt16LE(0x0800, 6);      // flags: UTF-8 names
      local.writeUInt16LE(0, 8);           // method: stored
      local.writeUInt16LE(0, 10);          // time
      local.writeUInt16LE(0x21, 12);       // date: 1980-01-01
      local.writeUInt32LE(entry.crc, 14);
      local.writeUInt32LE(size, 18);
      local.writeUInt32LE(size, 22);
      local.writeUInt16LE(entry.name.length, 26);
      local.writeUInt16LE(0, 28);
      write(local);
      write(entry.name);
      for (const chunk of chunks) write(chunk);
      entries.push(entry);
    }
    const directoryOffset = offset;
    for (const entry of entries) {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0); // central directory header
      central.writeUInt16LE(20, 4);          // made by
      central.writeUInt16LE(20, 6);          // version needed
      central.writeUInt16LE(0x0800, 8);
      central.writeUInt16LE(0, 10);
      central.writeUInt16LE(0, 12);
      central.writeUInt16LE(0x21, 14);
      central.writeUInt32LE(entry.crc, 16);
      central.writeUInt32LE(entry.size, 20);
      central.writeUInt32LE(entry.size, 24);
      central.writeUInt16LE(entry.name.length, 28);
      central.writeUInt32LE(entry.offset, 42);
      write(central);
      write(entry.name);
    }
    if (entries.length > 0xffff) throw new Error('npz: too many arrays for a zip without zip64');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0); // end of central directory
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(offset - directoryOffset, 12);
    end.writeUInt32LE(directoryOffset, 16);
    write(end);
  } finally {
    fs.closeSync(fd);
  }
}
