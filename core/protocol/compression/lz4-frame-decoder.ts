import { ProtocolError } from '../protocol-error.js';
import { SKIPPABLE_MAGIC, SKIPPABLE_MAGIC_MASK } from './frame-walker.js';
import { xxhash32 } from './xxhash32.js';

/**
 * A decoder for the LZ4 frame format (magic 0x184D2204), written here because
 * lz4-napi's decoded only ~40 MB/s on our machines, which made validating
 * lz4 batches on append cost 40x the append.
 *
 *   magic(4) FLG(1) BD(1) [content size(8)] [dict id(4)] header checksum(1)
 *   blocks: size(4, high bit = stored uncompressed) data [block checksum(4)]
 *   end mark(4) = 0, [content checksum(4)]
 *
 * Frames may be concatenated and interleaved with skippable frames. Blocks
 * decode into one contiguous output, so linked blocks (matches reaching into
 * earlier blocks of the frame) need nothing more than a wider window. The
 * header checksum and block checksums are verified, as Kafka's
 * KafkaLZ4BlockInputStream does; the content checksum is skipped, as Kafka
 * does (the batch's CRC-32C covers these bytes anyway). Kafka's old broken
 * header checksum (magic < 2) does not occur in v2 batches and is refused.
 * Every length and offset is checked first: bad input is a ProtocolError.
 */
export const LZ4_FRAME_MAGIC = 0x184d2204;
const STORED_BLOCK = 0x80000000;
const MIN_MATCH = 4;
/** An LZ4 sequence yields at most 255 bytes per input byte (match-length extensions). */
const MAX_EXPANSION = 255;
/** Below this many bytes a copy loop beats a native call. */
const SHORT_COPY = 32;

/**
 * Decodes the frames in `data` into `output` from position 0 and returns the
 * bytes written. Before a block that may not fit, `grow(needed, used)` is
 * asked for a larger output holding the `used` bytes decoded so far (at most
 * the caller's decompression limit), so the frames are walked once; output
 * beyond the final `output.length` is refused.
 */
export function decodeLz4Frames(data: Buffer, initialOutput: Buffer, grow?: (needed: number, used: number) => Buffer): number {
  let output = initialOutput;
  const reserve = (needed: number): void => {
    if (needed > output.length && grow !== undefined) output = grow(needed, op);
  };
  let ip = 0;
  let op = 0;
  const need = (bytes: number, what: string): void => {
    if (data.length - ip < bytes) throw corrupt(`truncated ${what}`);
  };
  while (ip < data.length) {
    need(4, 'frame magic');
    const magic = data.readUInt32LE(ip);
    ip += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4, 'skippable frame');
      const size = data.readUInt32LE(ip);
      ip += 4;
      need(size, 'skippable frame');
      ip += size;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw corrupt(`bad frame magic 0x${magic.toString(16)}`);
    need(3, 'frame descriptor');
    const flags = data[ip]!;
    const blockDescriptor = data[ip + 1]!;
    if (flags >> 6 !== 1) throw corrupt(`unsupported frame version ${flags >> 6}`);
    if ((flags & 0x02) !== 0 || (blockDescriptor & 0x8f) !== 0) throw corrupt('reserved bits set in the frame descriptor');
    const independentBlocks = (flags & 0x20) !== 0;
    const blockChecksums = (flags & 0x10) !== 0;
    const hasContentSize = (flags & 0x08) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const hasDictId = (flags & 0x01) !== 0;
    const blockSizeId = (blockDescriptor >> 4) & 0x07;
    if (blockSizeId < 4) throw corrupt(`bad block size id ${blockSizeId}`);
    const blockMax = 1 << (2 * blockSizeId + 8);
    const descriptorLength = 2 + (hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0);
    need(descriptorLength + 1, 'frame descriptor');
    let contentSize = -1;
    if (hasContentSize) {
      const declared = data.readBigUInt64LE(ip + 2);
      if (declared <= BigInt(Number.MAX_SAFE_INTEGER)) reserve(op + Number(declared));
      if (declared > BigInt(output.length - op)) throw tooLarge(output.length);
      contentSize = Number(declared);
    }
    if (data[ip + descriptorLength] !== (xxhash32(data, ip, ip + descriptorLength) >>> 8) % 256) throw corrupt('bad frame header checksum');
    ip += descriptorLength + 1;
    const frameStart = op;
    for (;;) {
      need(4, 'block size');
      const word = data.readUInt32LE(ip);
      ip += 4;
      if (word === 0) break;
      const size = (word & ~STORED_BLOCK) >>> 0;
      if (size > blockMax) throw corrupt(`block of ${size} bytes above its maximum ${blockMax}`);
      need(size + (blockChecksums ? 4 : 0), 'block');
      if (blockChecksums && data.readUInt32LE(ip + size) !== xxhash32(data, ip, ip + size)) throw corrupt('bad block checksum');
      const stored = (word & STORED_BLOCK) !== 0;
      // A compressed block yields at most its frame's block maximum, and 255 bytes per input byte.
      reserve(op + (stored ? size : Math.min(blockMax, size * MAX_EXPANSION)));
      if (stored) {
        if (size > output.length - op) throw tooLarge(output.length);
        data.copy(output, op, ip, ip + size);
        op += size;
      } else {
        op = decodeBlock(data, ip, ip + size, output, op, blockMax, independentBlocks ? op : frameStart);
      }
      ip += size + (blockChecksums ? 4 : 0);
    }
    if (contentChecksum) {
      need(4, 'content checksum');
      ip += 4;
    }
    if (hasContentSize && op - frameStart !== contentSize) throw corrupt(`frame of ${op - frameStart} bytes declares ${contentSize}`);
  }
  return op;
}

/**
 * One LZ4 block (sequences of token, literals, offset, match) from
 * `src[ip, end)` into `out` at `op`; matches may reach back to `windowStart`.
 * Returns the new output position. A block ends with literals, never a match.
 */
function decodeBlock(src: Buffer, start: number, end: number, out: Buffer, outStart: number, blockMax: number, windowStart: number): number {
  const outEnd = Math.min(out.length, outStart + blockMax);
  let ip = start;
  let op = outStart;
  for (;;) {
    const token = src[ip++]!;
    let length = token >>> 4;
    if (length === 15) {
      let extra: number;
      do {
        if (ip >= end) throw corrupt('truncated literal length');
        extra = src[ip++]!;
        length += extra;
      } while (extra === 255);
    }
    if (length > end - ip) throw corrupt('literals past the end of the block');
    if (length > outEnd - op) throw overflow(out, outEnd);
    if (length < SHORT_COPY) {
      for (let i = 0; i < length; i++) out[op + i] = src[ip + i]!;
    } else {
      src.copy(out, op, ip, ip + length);
    }
    ip += length;
    op += length;
    if (ip === end) return op;
    if (end - ip < 2) throw corrupt('truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) throw corrupt(`match offset ${offset} before the start of the window`);
    length = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let extra: number;
      do {
        if (ip >= end) throw corrupt('truncated match length');
        extra = src[ip++]!;
        length += extra;
      } while (extra === 255);
    }
    if (length > outEnd - op) throw overflow(out, outEnd);
    if (ip === end) throw corrupt('block ends with a match');
    const from = op - offset;
    if (length < SHORT_COPY) {
      for (let i = 0; i < length; i++) out[op + i] = out[from + i]!;
    } else if (offset >= length) {
      out.copyWithin(op, from, from + length);
    } else {
      // An overlapping match repeats the last `offset` bytes: copy runs that double each time.
      for (let position = op, limit = op + length; position < limit; ) {
        const run = Math.min(position - from, limit - position);
        out.copyWithin(position, from, from + run);
        position += run;
      }
    }
    op += length;
  }
}

function overflow(out: Buffer, outEnd: number): ProtocolError {
  return outEnd === out.length ? tooLarge(out.length) : corrupt('block decodes past its maximum size');
}
function tooLarge(limit: number): ProtocolError {
  return new ProtocolError(`lz4 data expands to more than ${limit} bytes`, 'records');
}
function corrupt(detail: string): ProtocolError {
  return new ProtocolError(`corrupt lz4 data: ${detail}`, 'records');
}
