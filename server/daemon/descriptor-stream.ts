// ComputeDescriptorsStream's answer (proto DescriptorChunk): first the response without its
// array bytes (labels, shapes, times), then the bytes of every block's values and gradients in
// order, in chunks of at most limits.maxChunkBytes. No single message must hold the result, and
// the daemon writes only as fast as the client reads: each write waits while the stream's
// buffer is full. A client that stops reading for limits.stalledStreamTimeoutS has its stream
// reset, so the buffered chunks and the result are freed (a stalled client must not hold the
// daemon's memory: issue 9; ./stalled.ts).
import * as grpc from '@grpc/grpc-js';
import type { DaemonLimits } from './limits';
import { resetStream } from './stalled';
import { StatusError } from '../wire/status';
import type { ArrayMessage, ComputeDescriptorsResponse, DescriptorChunk } from '../wire/types';

type ChunkCall = grpc.ServerWritableStream<unknown, DescriptorChunk>;

function withoutBytes(array: ArrayMessage | null | undefined): ArrayMessage | undefined {
  return array ? { dtype: array.dtype, shape: array.shape, data: Buffer.alloc(0) } : undefined;
}

function bytesOf(array: ArrayMessage | null | undefined): Buffer {
  const data = array?.data;
  if (data === undefined || data === null) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

// The response as the first chunk carries it: every bulk array's bytes left out.
export function streamHeader(response: ComputeDescriptorsResponse): ComputeDescriptorsResponse {
  return {
    ...response,
    blocks: (response.blocks ?? []).map((block) => ({
      ...block,
      values: withoutBytes(block.values),
      gradients: (block.gradients ?? []).map((gradient) => ({ ...gradient, values: withoutBytes(gradient.values) })),
    })),
  };
}

// Resolves when the stream can take more; rejects when the call ends or stalls.
function drained(call: ChunkCall, stallMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      call.off('drain', onDrain);
      call.off('cancelled', onCancelled);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onCancelled = () => done(new StatusError(grpc.status.CANCELLED, 'cancelled: the client went away while the answer was streamed'));
    const timer = setTimeout(() => {
      resetStream(call);
      done(new StatusError(grpc.status.DEADLINE_EXCEEDED,
        `stalled: the client read nothing for ${stallMs / 1000} s; the stream was reset and the result freed (hamd serve --stalled-stream-timeout)`));
    }, stallMs);
    call.on('drain', onDrain);
    call.on('cancelled', onCancelled);
  });
}

export async function writeDescriptorChunks(call: ChunkCall, response: ComputeDescriptorsResponse, limits: DaemonLimits): Promise<void> {
  const stallMs = 1000 * limits.stalledStreamTimeoutS;
  const send = async (chunk: DescriptorChunk) => {
    if (call.cancelled) throw new StatusError(grpc.status.CANCELLED, 'cancelled: the client went away while the answer was streamed');
    if (!call.write(chunk)) await drained(call, stallMs);
  };
  await send({ header: streamHeader(response) });
  const blocks = response.blocks ?? [];
  for (let b = 0; b < blocks.length; b++) {
    const arrays = [blocks[b].values, ...(blocks[b].gradients ?? []).map((g) => g.values)];
    for (let a = 0; a < arrays.length; a++) {
      const bytes = bytesOf(arrays[a]);
      for (let offset = 0; offset < bytes.length; offset += limits.maxChunkBytes) {
        await send({ block: b, gradient: a - 1, offset, data: bytes.subarray(offset, offset + limits.maxChunkBytes) });
      }
    }
  }
}
