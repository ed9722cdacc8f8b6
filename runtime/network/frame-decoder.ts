/**
 * Splits a byte stream into Kafka request frames (a 4-byte big-endian size,
 * then that many bytes). The size is checked against `maxFrameBytes` as soon
 * as its 4 bytes arrive, before any of the body is buffered, so an oversized
 * or negative size costs nothing. A frame that lies inside one chunk is a
 * zero-copy view of it; a frame spread over chunks is copied once into a
 * buffer of exactly its size.
 */
export class FrameSizeError extends Error {
  override readonly name = 'FrameSizeError';

  constructor(readonly size: number, readonly maxFrameBytes: number) {
    super(
      size < 0
        ? `frame size ${size} is negative`
        : `frame size ${size} is larger than socket.request.max.bytes (${maxFrameBytes})`,
    );
  }
}

export class FrameDecoder {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFilled = 0;
  private body: Buffer | null = null;
  private bodyFilled = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds a chunk; calls `onFrame` for every completed frame, in order. Throws FrameSizeError. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.body === null) {
        if (this.sizeFilled === 0 && chunk.length - at >= 4) {
          const size = chunk.readInt32BE(at);
          this.checkSize(size);
          at += 4;
          if (chunk.length - at >= size) {
            onFrame(chunk.subarray(at, at + size));
            at += size;
            continue;
          }
          this.startBody(size);
        } else {
          const take = Math.min(4 - this.sizeFilled, chunk.length - at);
          chunk.copy(this.sizeBytes, this.sizeFilled, at, at + take);
          this.sizeFilled += take;
          at += take;
          if (this.sizeFilled < 4) return;
          const size = this.sizeBytes.readInt32BE(0);
          this.checkSize(size);
          this.sizeFilled = 0;
          if (size === 0) {
            onFrame(Buffer.alloc(0));
            continue;
          }
          this.startBody(size);
        }
      }
      const body = this.body!;
      const take = Math.min(body.length - this.bodyFilled, chunk.length - at);
      chunk.copy(body, this.bodyFilled, at, at + take);
      this.bodyFilled += take;
      at += take;
      if (this.bodyFilled === body.length) {
        this.body = null;
        this.bodyFilled = 0;
        onFrame(body);
      }
    }
  }

  private checkSize(size: number): void {
    if (size < 0 || size > this.maxFrameBytes) throw new FrameSizeError(size, this.maxFrameBytes);
  }

  private startBody(size: number): void {
    this.body = Buffer.allocUnsafe(size);
    this.bodyFilled = 0;
  }
}
