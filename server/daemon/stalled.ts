// Answers a client does not read. A grpc-js response waits in the HTTP/2 stream until the
// client's flow-control window opens; a client that stopped reading (a stopped or wedged
// process) would hold that memory for ever (the audit of issue 9: 2.9 GB held by one client).
// grpc-js's own deadline only queues trailers behind the data, so the daemon resets the HTTP/2
// stream itself (RST_STREAM CANCEL), which frees what was buffered for it.
import { constants as http2 } from 'node:http2';

interface ResettableStream {
  close(code: number): void;
  once(event: 'close', listener: () => void): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

// The HTTP/2 stream under a grpc-js server call, found among the call's own objects (grpc-js
// has no public accessor); undefined if its internals change (then nothing is reset).
export function http2StreamOf(call: unknown): ResettableStream | undefined {
  let node = call as Record<string, unknown> | undefined;
  for (let depth = 0; depth < 8 && node; depth++) {
    const stream = node.stream as Partial<ResettableStream> & { rstCode?: unknown } | undefined;
    if (stream && typeof stream.close === 'function' && 'rstCode' in stream) return stream as ResettableStream;
    node = (node.call ?? node.nextCall) as Record<string, unknown> | undefined;
  }
  return undefined;
}

export function resetStream(call: unknown): void {
  http2StreamOf(call)?.close(http2.NGHTTP2_CANCEL);
}

// After a unary answer was handed to grpc-js (which writes it a moment later): every `stallMs`,
// checks that the bytes still waiting for the client went down; when they did not, resets the
// stream and calls onReset. Stops once the stream is closed or its bytes are all out.
export function watchUnreadAnswer(call: unknown, stallMs: number, onReset: (pendingBytes: number) => void): void {
  const stream = http2StreamOf(call);
  if (!stream) return;
  // Most answers are out within milliseconds: only those still waiting then get a timer.
  const first = setTimeout(() => {
    if (!stream.destroyed && stream.writableLength > 0) watchPendingBytes(stream, stallMs, onReset);
  }, Math.min(stallMs, FIRST_LOOK_MS));
  first.unref();
}

const FIRST_LOOK_MS = 50;

// Every `stallMs`, checks that the bytes `stream` still holds for its reader went down; when
// they did not, calls onReset and closes the stream (for HTTP/2: RST_STREAM CANCEL).
export function watchPendingBytes(stream: Pick<ResettableStream, 'writableLength' | 'destroyed' | 'close'>, stallMs: number,
  onReset: (pendingBytes: number) => void): void {
  let pending = stream.writableLength;
  const timer = setInterval(() => {
    const now = stream.writableLength;
    if (stream.destroyed || (now === 0 && pending > 0)) {
      clearInterval(timer);
    } else if (now > 0 && now >= pending && pending > 0) {
      clearInterval(timer);
      onReset(now);
      stream.close(http2.NGHTTP2_CANCEL);
    } else {
      pending = now;
    }
  }, stallMs);
  timer.unref();
}

// Resolves when the call's HTTP/2 stream has closed: its answer is out, or it was reset. At once
// when the stream is not found.
export function answerOut(call: unknown): Promise<void> {
  const stream = http2StreamOf(call);
  if (!stream || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', resolve));
}
