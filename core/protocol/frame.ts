import { ProtocolError } from './protocol-error.js';
import type { Writer } from './writer.js';

/** Kafka's `socket.request.max.bytes` default: the largest request frame a broker accepts. */
export const DEFAULT_MAX_REQUEST_BYTES = 104_857_600;
export const FRAME_SIZE_BYTES = 4;

/**
 * A size prefix above the limit (or negative). `frames` are the complete
 * frames that came before it in the same push: their requests still deserve
 * answers before the connection closes.
 */
export class FrameSizeError extends ProtocolError {
  constructor(message: string, readonly frames: Buffer[]) {
    super(message, 'frame.size');
  }
}

/**
 * Splits a byte stream into frames (int32 size, then that many bytes). A size
 * above `maxFrameBytes` or below zero is refused as soon as its 4 bytes arrive,
 * before any body is buffered. Frames inside one chunk are returned as views;
 * a frame spread over chunks is joined once.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** May change between pushes (a SASL listener reads small frames until the client authenticates). */
  constructor(public maxFrameBytes = DEFAULT_MAX_REQUEST_BYTES) {}

  /** Bytes received but not yet returned as a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds received bytes and returns the frame bodies (without their size prefix) now complete. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < FRAME_SIZE_BYTES) return frames;
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) {
        throw new FrameSizeError(`frame of ${size} bytes, the limit is ${this.maxFrameBytes}`, frames);
      }
      if (this.buffered < FRAME_SIZE_BYTES + size) return frames;
      frames.push(this.take(FRAME_SIZE_BYTES + size).subarray(FRAME_SIZE_BYTES));
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= FRAME_SIZE_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, FRAME_SIZE_BYTES);
    this.chunks = [head, ...this.tail(FRAME_SIZE_BYTES)];
    return head.readInt32BE(0);
  }

  /** Removes and returns the first `size` buffered bytes. */
  private take(size: number): Buffer {
    const first = this.chunks[0]!;
    this.buffered -= size;
    if (first.length >= size) {
      if (first.length === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
      return first.subarray(0, size);
    }
    const joined = Buffer.concat(this.chunks, size);
    this.chunks = this.tail(size);
    return joined;
  }

  /** The buffered chunks after the first `skip` bytes. */
  private tail(skip: number): Buffer[] {
    const rest: Buffer[] = [];
    let left = skip;
    for (const chunk of this.chunks) {
      if (left >= chunk.length) left -= chunk.length;
      else {
        rest.push(left > 0 ? chunk.subarray(left) : chunk);
        left = 0;
      }
    }
    return rest;
  }
}

/** The size prefix followed by what `body` holds, as chunks ready for `socket.write`/`writev`. */
export function frameChunks(body: Writer): Buffer[] {
  const size = Buffer.allocUnsafe(FRAME_SIZE_BYTES);
  size.writeInt32BE(body.length, 0);
  return [size, ...body.toChunks()];
}

/** One contiguous frame (size prefix + body). */
export function frameBuffer(body: Writer): Buffer {
  const chunks = frameChunks(body);
  return Buffer.concat(chunks, FRAME_SIZE_BYTES + body.length);
}
