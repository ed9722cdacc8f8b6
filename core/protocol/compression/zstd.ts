import { createRequire } from 'node:module';
import { ProtocolError } from '../protocol-error.js';
import { checkDecompressedSize, corruptData, maxDecompressedBytes, type DecompressOptions } from './decompression-limit.js';

interface ZstdBindings {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}
// @mongodb-js/zstd 1.2.2's wrapper ignores the level; its bindings take it.
const bindings = createRequire(import.meta.url)('@mongodb-js/zstd/bindings') as ZstdBindings;

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_SIZE_MAX = 128 * 1024;

/** Kafka's default zstd level is 3. */
export async function zstdCompress(data: Buffer, level = 3): Promise<Buffer> {
  return bindings.compress(data, level);
}

export async function zstdDecompress(data: Buffer, options?: DecompressOptions): Promise<Buffer> {
  const limit = maxDecompressedBytes(options);
  // The bound counts every compressed block as full; allow one block of slack
  // so data just under the limit is not refused, then check the exact size.
  checkDecompressedSize('zstd', zstdFrameOutputBound(data, limit) - BLOCK_SIZE_MAX, limit);
  let output: Buffer;
  try {
    output = await bindings.decompress(data);
  } catch (error) {
    throw corruptData('zstd', error);
  }
  checkDecompressedSize('zstd', output.length, limit);
  return output;
}

/**
 * Walks the frames' block headers (RFC 8878) without decompressing and returns
 * the most bytes they can produce: raw and RLE blocks state their size, a
 * compressed block yields at most min(window, 128 KiB). A declared content
 * size above `limit` is refused too, since the decoder may allocate it.
 */
export function zstdFrameOutputBound(data: Buffer, limit: number): number {
  let bound = 0;
  let position = 0;
  const need = (bytes: number, what: string): void => {
    if (data.length - position < bytes) throw new ProtocolError(`truncated zstd ${what}`, 'records');
  };
  while (position < data.length) {
    need(4, 'frame magic');
    const magic = data.readUInt32LE(position);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(8, 'skippable frame');
      const size = data.readUInt32LE(position + 4);
      position += 8;
      need(size, 'skippable frame');
      position += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new ProtocolError(`bad zstd frame magic 0x${magic.toString(16)}`, 'records');
    need(5, 'frame header');
    const descriptor = data[position + 4]!;
    position += 5;
    if ((descriptor & 0x08) !== 0) throw new ProtocolError('zstd frame header reserved bit set', 'records');
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    const hasChecksum = (descriptor & 0x04) !== 0;
    const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
    let windowSize = 0;
    if (!singleSegment) {
      need(1, 'window descriptor');
      const windowDescriptor = data[position++]!;
      const windowBase = 2 ** (10 + (windowDescriptor >> 3));
      windowSize = windowBase + (windowBase / 8) * (windowDescriptor & 0x07);
    }
    need(dictIdBytes, 'dictionary id');
    position += dictIdBytes;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
    need(contentSizeBytes, 'content size');
    let contentSize = -1;
    if (contentSizeBytes === 1) contentSize = data[position]!;
    else if (contentSizeBytes === 2) contentSize = data.readUInt16LE(position) + 256;
    else if (contentSizeBytes === 4) contentSize = data.readUInt32LE(position);
    else if (contentSizeBytes === 8) contentSize = Number(data.readBigUInt64LE(position));
    position += contentSizeBytes;
    if (contentSize > limit) checkDecompressedSize('zstd', contentSize, limit);
    if (singleSegment) windowSize = contentSize;
    const blockMax = Math.min(windowSize, BLOCK_SIZE_MAX);
    for (;;) {
      need(3, 'block header');
      const header = data.readUIntLE(position, 3);
      position += 3;
      const isLast = (header & 1) !== 0;
      const blockType = (header >> 1) & 0x03;
      const size = header >>> 3;
      if (blockType === 0) {
        need(size, 'raw block');
        position += size;
        bound += size;
      } else if (blockType === 1) {
        need(1, 'RLE block');
        position += 1;
        bound += size;
      } else if (blockType === 2) {
        if (size > blockMax) throw new ProtocolError(`zstd block of ${size} bytes above its maximum ${blockMax}`, 'records');
        need(size, 'compressed block');
        position += size;
        bound += blockMax;
      } else {
        throw new ProtocolError('zstd reserved block type', 'records');
      }
      if (bound > limit + BLOCK_SIZE_MAX) return bound;
      if (isLast) break;
    }
    if (hasChecksum) {
      need(4, 'content checksum');
      position += 4;
    }
  }
  return bound;
}
