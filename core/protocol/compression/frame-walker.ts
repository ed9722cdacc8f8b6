import { ProtocolError } from '../protocol-error.js';

/** LZ4 and zstd share the skippable-frame range: magic 0x184D2A5x, an int32 size, then bytes to skip. */
export const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
export const SKIPPABLE_MAGIC = 0x184d2a50;

/** A position in a run of concatenated frames; running short raises the codec's typed error. */
export class FrameCursor {
  position = 0;

  constructor(
    readonly data: Buffer,
    readonly codec: string,
  ) {}

  need(bytes: number, what: string): void {
    if (this.data.length - this.position < bytes) throw new ProtocolError(`truncated ${this.codec} ${what}`, 'records');
  }
}

/**
 * Adds up the most bytes each frame can produce, without decompressing:
 * skippable frames are stepped over, `frameBound` walks one frame from its
 * magic and returns the running bound. Stops as soon as it passes `stopAbove`.
 */
export function framesOutputBound(
  cursor: FrameCursor,
  frameMagic: number,
  stopAbove: number,
  frameBound: (cursor: FrameCursor, boundSoFar: number) => number,
): number {
  const { data } = cursor;
  let bound = 0;
  while (cursor.position < data.length) {
    cursor.need(4, 'frame magic');
    const magic = data.readUInt32LE(cursor.position);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      cursor.need(8, 'skippable frame');
      const size = data.readUInt32LE(cursor.position + 4);
      cursor.position += 8;
      cursor.need(size, 'skippable frame');
      cursor.position += size;
      continue;
    }
    if (magic !== frameMagic) throw new ProtocolError(`bad ${cursor.codec} frame magic 0x${magic.toString(16)}`, 'records');
    bound = frameBound(cursor, bound);
    if (bound > stopAbove) return bound;
  }
  return bound;
}
