// The framed session transport's byte format (proto/hamd/v1/hamd.proto, SessionSocketFrame):
// every frame is a 4-byte little-endian length N and N bytes of a message. The daemon's frames
// are SessionSocketFrame messages, built here around the SessionResponse bytes that the Session
// RPC's own serializer makes (field 1), or a SessionEnd (field 2), so both transports send the
// same SessionResponse bytes.

export const FRAME_HEADER_BYTES = 4;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;  // int32 codes are >= 0 here; negative ones are not gRPC codes
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function header(length: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  out.writeUInt32LE(length, 0);
  return out;
}

// A frame carrying SessionSocketFrame{response: <response bytes>}.
export function responseFrame(response: Buffer): Buffer {
  const prefix = Buffer.from([0x0a, ...varint(response.length)]);  // field 1, length-delimited
  return Buffer.concat([header(prefix.length + response.length), prefix, response]);
}

// A frame carrying SessionSocketFrame{end: SessionEnd{code, message}}.
export function endFrame(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const end = Buffer.from([
    ...(code !== 0 ? [0x08, ...varint(code)] : []),                    // field 1, varint
    ...(text.length > 0 ? [0x12, ...varint(text.length)] : []),        // field 2, length-delimited
  ]);
  const body = Buffer.concat([end, text]);
  const prefix = Buffer.from([0x12, ...varint(body.length)]);          // SessionSocketFrame field 2
  return Buffer.concat([header(prefix.length + body.length), prefix, body]);
}

// A frame carrying SessionSocketFrame{reply: FramedReply{code, message, response, retry_ms}},
// as the pieces to write in order: the response bytes (which may be megabytes) are not copied.
export function replyFrame(code: number, message: string, response: Buffer | undefined, retryMs = 0): Buffer[] {
  const text = Buffer.from(message, 'utf8');
  const bodyLength = response?.length ?? 0;
  const fields = Buffer.from([
    ...(code !== 0 ? [0x08, ...varint(code)] : []),                          // field 1, varint
    ...(text.length > 0 ? [0x12, ...varint(text.length)] : []),              // field 2, string
  ]);
  const retry = Buffer.from(retryMs > 0 ? [0x20, ...varint(retryMs)] : []);  // field 4, varint
  const responseTag = Buffer.from(bodyLength > 0 ? [0x1a, ...varint(bodyLength)] : []);  // field 3, bytes
  const replyLength = fields.length + text.length + retry.length + responseTag.length + bodyLength;
  const prefix = Buffer.from([0x1a, ...varint(replyLength)]);                // SessionSocketFrame field 3
  const head = Buffer.concat([header(prefix.length + replyLength), prefix, fields, text, retry, responseTag]);
  return bodyLength > 0 ? [head, response!] : [head];
}

// Splits a byte stream into frame payloads. `push` returns the complete payloads so far; a
// declared length over `maxFrameBytes` throws (the caller ends the session: the peer is not
// speaking this format, or sends more than the daemon accepts).
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.pendingBytes < FRAME_HEADER_BYTES) break;
      const head = this.pending[0].length >= FRAME_HEADER_BYTES ? this.pending[0] : this.flatten();
      const length = head.readUInt32LE(0);
      if (length > this.maxFrameBytes) {
        throw new FrameTooLarge(length, this.maxFrameBytes);
      }
      if (this.pendingBytes < FRAME_HEADER_BYTES + length) break;
      const all = this.flatten();
      frames.push(all.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      const rest = all.subarray(FRAME_HEADER_BYTES + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    return frames;
  }

  private flatten(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0];
  }
}

export class FrameTooLarge extends Error {
  constructor(readonly length: number, readonly limit: number) {
    super(`a frame of ${length} bytes, over this daemon's limit of ${limit} bytes per message`);
  }
}
