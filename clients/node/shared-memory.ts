// Client side of the shared-memory transport (ComputeDescriptorsRequest.shared_memory):
// the daemon wrote the bulk arrays to a file and named it in the response; we read it
// once, unlink it, and hand out views of that one buffer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeFloat64 } from '../../server/wire/arrays';
import type { ArrayMsg } from '../../server/wire/messages';

// Names the daemon gives its files; anything else is refused rather than read and deleted.
const FILE_PREFIX = 'hamd-shm-';

// The file's bytes (undefined when the response names none). The name is unlinked as soon
// as the file is open, so nothing is left behind even if reading fails; the pages are
// freed when the descriptor closes.
export async function collectSharedMemory(file: string | undefined): Promise<Buffer | undefined> {
  if (!file) return undefined;
  if (!path.isAbsolute(file) || !path.basename(file).startsWith(FILE_PREFIX)) {
    throw new Error(`response names an unexpected shared-memory file "${file}"`);
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } finally {
    await fs.promises.rm(file, { force: true });
  }
  try {
    return await readWhole(handle, file);
  } finally {
    await handle.close();
  }
}

// Pieces read in parallel on libuv's pool: the copy and the page faults of the fresh buffer
// (unpooled, so 8-byte aligned) spread over cores.
const PIECE_BYTES = 32 << 20;

async function readWhole(handle: fs.promises.FileHandle, file: string): Promise<Buffer> {
  const size = (await handle.stat()).size;
  const buffer = Buffer.allocUnsafeSlow(size);
  const pieces: Promise<void>[] = [];
  for (let start = 0; start < size; start += PIECE_BYTES) {
    pieces.push((async () => {
      const end = Math.min(size, start + PIECE_BYTES);
      for (let done = start; done < end;) {
        const { bytesRead } = await handle.read(buffer, done, end - done, done);
        if (bytesRead === 0) throw new Error(`shared-memory file ${file} ended at ${done} of ${size} bytes`);
        done += bytesRead;
      }
    })());
  }
  await Promise.all(pieces);
  return buffer;
}

// float64 values of an Array: from the message, or a view of the shared-memory file.
export function arrayValues(message: ArrayMsg, where: string, file: Buffer | undefined): { shape: number[]; values: Float64Array } {
  if (!message?.in_shared_memory) return decodeFloat64(message, where);
  if (message.dtype !== '<f8') throw new Error(`${where}: dtype "${message.dtype}" but expected "<f8"`);
  if (!file) throw new Error(`${where}: in shared memory but the response names no file`);
  const shape = message.shape.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = Number(message.shared_memory_offset ?? 0);
  if (!Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(offset) || offset < 0 || offset + 8 * count > file.length) {
    throw new Error(`${where}: ${count} float64 at byte ${offset} do not fit in the ${file.length}-byte shared-memory file`);
  }
  const start = file.byteOffset + offset;
  if (start % 8 === 0) return { shape, values: new Float64Array(file.buffer, start, count) };
  const copy = new Float64Array(count); // unaligned: copy the bytes
  new Uint8Array(copy.buffer).set(file.subarray(offset, offset + 8 * count));
  return { shape, values: copy };
}
