import { compressFrameSync } from 'lz4-napi';
import { ProtocolError } from '../protocol-error.js';
import { FrameCursor, framesOutputBound } from './frame-walker.js';
import { decodeLz4Frames, LZ4_FRAME_MAGIC } from './lz4-frame-decoder.js';
import { checkDecompressedSize, maxDecompressedBytes, type DecompressOptions } from './decompression-limit.js';

/**
 * LZ4 in the frame format (magic 0x184D2204), which Kafka uses for magic v2.
 * lz4-napi writes independent blocks, which Kafka's Java reader requires.
 */
const BLOCK_SIZE_MAX = 4 * 1024 * 1024;
/** An LZ4 sequence yields at most 255 bytes per input byte (match-length extensions). */
const EXPANSION_MAX = 255;

export function lz4Compress(data: Buffer): Buffer {
  return compressFrameSync(data);
}

/**
 * Decoded into one buffer per thread, grown to the largest output needed so
 * far (at most the decompression limit) and reused: fresh memory is slow to
 * touch on our VMs (DESIGN.md, performance rules).
 */
let scratch = Buffer.alloc(0);

export function lz4Decompress(data: Buffer, options?: DecompressOptions): Buffer {
  const limit = maxDecompressedBytes(options);
  // The bound counts every compressed block as full; allow one block of slack
  // so data just under the limit is not refused; the decoder stops at the limit.
  const bound = lz4FrameOutputBound(data, limit);
  checkDecompressedSize('lz4', bound - BLOCK_SIZE_MAX, limit);
  const capacity = Math.min(bound, limit);
  if (scratch.length < capacity) scratch = Buffer.allocUnsafeSlow(Math.min(Math.max(capacity, 2 * scratch.length), limit));
  const decoded = scratch.subarray(0, decodeLz4Frames(data, scratch.subarray(0, capacity)));
  return options?.reuseOutput === true ? decoded : Buffer.from(decoded);
}

/**
 * Walks the frames' block headers without decompressing and returns the most
 * bytes they can produce: an uncompressed block yields its size, a compressed
 * one at most the frame's block maximum or 255 times its size. A declared content size above `limit`
 * is refused too, since a decoder may allocate it up front.
 */
export function lz4FrameOutputBound(data: Buffer, limit: number): number {
  return framesOutputBound(new FrameCursor(data, 'lz4'), LZ4_FRAME_MAGIC, limit + BLOCK_SIZE_MAX, (c, boundSoFar) => {
    let bound = boundSoFar;
    c.need(7, 'frame descriptor');
    const flags = data[c.position + 4]!;
    const blockDescriptor = data[c.position + 5]!;
    if (flags >> 6 !== 1) throw new ProtocolError(`unsupported lz4 frame version ${flags >> 6}`, 'records');
    const blockChecksums = (flags & 0x10) !== 0;
    const hasContentSize = (flags & 0x08) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const hasDictId = (flags & 0x01) !== 0;
    const blockSizeId = (blockDescriptor >> 4) & 0x07;
    if (blockSizeId < 4) throw new ProtocolError(`bad lz4 block size id ${blockSizeId}`, 'records');
    const blockMax = 1 << (2 * blockSizeId + 8);
    c.position += 6;
    if (hasContentSize) {
      c.need(8, 'content size');
      const contentSize = data.readBigUInt64LE(c.position);
      if (contentSize > BigInt(limit)) checkDecompressedSize('lz4', Number(contentSize), limit);
      c.position += 8;
    }
    if (hasDictId) c.position += 4;
    c.need(1, 'header checksum');
    c.position += 1;
    for (;;) {
      c.need(4, 'block size');
      const word = data.readUInt32LE(c.position);
      c.position += 4;
      if (word === 0) break;
      const isUncompressed = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw new ProtocolError(`lz4 block of ${size} bytes above its maximum ${blockMax}`, 'records');
      c.need(size + (blockChecksums ? 4 : 0), 'block');
      c.position += size + (blockChecksums ? 4 : 0);
      bound += isUncompressed ? size : Math.min(blockMax, size * EXPANSION_MAX);
      if (bound > limit + BLOCK_SIZE_MAX) return bound;
    }
    if (contentChecksum) {
      c.need(4, 'content checksum');
      c.position += 4;
    }
    return bound;
  });
}
