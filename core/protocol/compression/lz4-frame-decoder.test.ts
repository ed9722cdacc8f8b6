import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol-error.js';
import { batchViews, Compression } from '../record-batch-header.js';
import { storedRecordBytes } from '../records/record-iterator.js';
import { decodeLz4Frames, LZ4_FRAME_MAGIC } from './lz4-frame-decoder.js';
import { xxhash32 } from './xxhash32.js';

const END_MARK = Buffer.alloc(4);

function decode(frame: Buffer, capacity = 8 << 20): Buffer {
  const output = Buffer.alloc(capacity);
  return output.subarray(0, decodeLz4Frames(frame, output));
}

function logLines(count: number): Buffer {
  return Buffer.from(Array.from({ length: count }, (_, i) => `{"seq":${i},"level":"info","msg":"line ${i % 17} served"}\n`).join(''));
}

interface FrameOptions {
  independent?: boolean;
  blockChecksums?: boolean;
  contentSize?: number;
  contentChecksum?: boolean;
}

/** A frame header with a correct checksum: 64 KiB blocks. */
function frameHeader(options: FrameOptions): Buffer {
  const flags = 0x40 | (options.independent === false ? 0 : 0x20) | (options.blockChecksums ? 0x10 : 0) | (options.contentSize === undefined ? 0 : 0x08) | (options.contentChecksum ? 0x04 : 0);
  const descriptor = Buffer.alloc(options.contentSize === undefined ? 2 : 10);
  descriptor[0] = flags;
  descriptor[1] = 0x40;
  if (options.contentSize !== undefined) descriptor.writeBigUInt64LE(BigInt(options.contentSize), 2);
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  return Buffer.concat([magic, descriptor, Buffer.from([(xxhash32(descriptor, 0, descriptor.length) >>> 8) & 0xff])]);
}

/** One block: its size word (high bit when stored), its bytes, its checksum when asked. */
function block(bytes: Buffer, stored: boolean, checksum = false): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE((bytes.length | (stored ? 0x80000000 : 0)) >>> 0, 0);
  const parts = [size, bytes];
  if (checksum) {
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(xxhash32(bytes, 0, bytes.length), 0);
    parts.push(sum);
  }
  return Buffer.concat(parts);
}

/** The compressed blocks of an lz4-napi frame (no checksums, no content size), as they are. */
function compressedBlocks(data: Buffer): Buffer[] {
  const frame = compressFrameSync(data);
  expect(frame[4]! & 0x1d).toBe(0);
  const blocks: Buffer[] = [];
  for (let position = 7; ; ) {
    const word = frame.readUInt32LE(position);
    if (word === 0) return blocks;
    const size = word & 0x7fffffff;
    blocks.push(frame.subarray(position, position + 4 + size));
    position += 4 + size;
  }
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('xxhash32', () => {
  it('matches the reference values', () => {
    expect(xxhash32(Buffer.alloc(0), 0, 0)).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('abc'), 0, 3)).toBe(0x32d153ff);
    const text = Buffer.from('Nobody inspects the spammish repetition');
    expect(xxhash32(text, 0, text.length)).toBe(0xe2293b2f);
  });
});

describe('decodeLz4Frames', () => {
  it('decodes the batches kcat (librdkafka) sent as lz4-napi does', () => {
    const views = [...batchViews(readFileSync(new URL('../testdata/batches/kcat-lz4.bin', import.meta.url)))];
    expect(views.length).toBeGreaterThan(0);
    for (const view of views) {
      expect(view.compression).toBe(Compression.lz4);
      const stored = storedRecordBytes(view);
      const decoded = decode(stored);
      expect(decoded.length).toBeGreaterThan(stored.length);
      expect(decoded.equals(decompressFrameSync(stored))).toBe(true);
    }
  });

  it('decodes lz4-napi frames of any data, with or without block and content checksums', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 12_000 }).map((n) => logLines(n))),
        fc.boolean(),
        fc.boolean(),
        (bytes, blockChecksums, contentChecksum) => {
          const data = Buffer.from(bytes);
          const frame = compressFrameSync(data, { blockChecksums, contentChecksum });
          expect(decode(frame).equals(data)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes frames mixing stored and compressed blocks, with a content size, as lz4-napi does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat({ max: 400 }).map((n) => logLines(n + 1))), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (chunks, blockChecksums) => {
          const data = Buffer.concat(chunks.map(([bytes]) => Buffer.from(bytes)));
          const blocks = chunks.flatMap(([bytes, stored]) =>
            stored ? [block(Buffer.from(bytes), true, blockChecksums)] : compressedBlocks(Buffer.from(bytes)).map((b) => block(b.subarray(4), (b.readUInt32LE(0) & 0x80000000) !== 0, blockChecksums)),
          );
          const frame = Buffer.concat([frameHeader({ blockChecksums, contentSize: data.length }), ...blocks, END_MARK]);
          expect(decode(frame).equals(data)).toBe(true);
          expect(decompressFrameSync(frame).equals(data)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('lets a linked block match into the block before it, and refuses that match when blocks are independent', () => {
    const first = Buffer.from('0123456789abcdefghij');
    // 0 literals, a 9-byte match 16 bytes back (in the first block), then 1 literal to end the block.
    const second = Buffer.from([0x05, 16, 0, 0x10, 0x7a]);
    const linked = Buffer.concat([frameHeader({ independent: false }), block(first, true), block(second, false), END_MARK]);
    const expected = Buffer.from('0123456789abcdefghij456789abcz');
    expect(decode(linked).toString()).toBe(expected.toString());
    expect(decompressFrameSync(linked).equals(expected)).toBe(true);
    const independent = Buffer.concat([frameHeader({ independent: true }), block(first, true), block(second, false), END_MARK]);
    expect(String(errorOf(() => decode(independent)))).toMatch(/match offset 16 before the start of the window/);
  });

  it('repeats overlapping matches of every length', () => {
    for (const offset of [1, 2, 3, 7, 31, 40]) {
      for (const length of [4, 5, 18, 19, 20, 31, 32, 33, 64, 100, 273, 274, 1000]) {
        // `offset` literals, a match `offset` back of `length` bytes, then one literal.
        const literals = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'.slice(0, offset));
        const nibble = Math.min(length - 4, 15);
        const extension = length - 4 >= 15 ? [...Array<number>(Math.floor((length - 19) / 255)).fill(255), (length - 19) % 255] : [];
        const literalHeader = offset >= 15 ? [0xf0 | nibble, offset - 15] : [(offset << 4) | nibble];
        const body = Buffer.from([...literalHeader, ...literals, offset, 0, ...extension, 0x10, 0x21]);
        const frame = Buffer.concat([frameHeader({}), block(body, false), END_MARK]);
        const expected = Buffer.alloc(offset + length + 1);
        literals.copy(expected);
        for (let i = offset; i < offset + length; i++) expected[i] = expected[i - offset]!;
        expected[offset + length] = 0x21;
        expect(decode(frame).equals(expected), `offset ${offset}, length ${length}`).toBe(true);
        expect(decompressFrameSync(frame).equals(expected)).toBe(true);
      }
    }
  });

  it('reads concatenated frames and steps over skippable frames', () => {
    const skippable = Buffer.alloc(8 + 5);
    skippable.writeUInt32LE(0x184d2a53, 0);
    skippable.writeUInt32LE(5, 4);
    const data = logLines(100);
    expect(decode(Buffer.concat([compressFrameSync(data), skippable, compressFrameSync(data)])).equals(Buffer.concat([data, data]))).toBe(true);
  });

  it('refuses output beyond the buffer it is given: the decompression limit', () => {
    const frame = compressFrameSync(Buffer.alloc(100_000, 7));
    expect(String(errorOf(() => decode(frame, 99_999)))).toMatch(/lz4 data expands to more than 99999 bytes/);
    expect(decode(frame, 100_000).length).toBe(100_000);
    const declared = Buffer.concat([frameHeader({ contentSize: 1 << 30 }), END_MARK]);
    expect(String(errorOf(() => decode(declared)))).toMatch(/expands to more than/);
  });

  it('walks the frames once, asking for room before each block that may not fit, never past the limit', () => {
    const data = logLines(5_000);
    const frames = Buffer.concat([compressFrameSync(data), compressFrameSync(data)]);
    const asked: number[] = [];
    const limit = 2 * data.length;
    let output = Buffer.alloc(0);
    const grow = (needed: number, used: number): Buffer => {
      asked.push(needed);
      const grown = Buffer.alloc(Math.min(needed, limit));
      output.copy(grown, 0, 0, used);
      output = grown;
      return grown;
    };
    const length = decodeLz4Frames(frames, output, grow);
    expect(output.subarray(0, length).equals(Buffer.concat([data, data]))).toBe(true);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked).toEqual([...asked].sort((a, b) => a - b));
    const tooBig = Buffer.concat([frames, compressFrameSync(Buffer.from('one byte more'))]);
    output = Buffer.alloc(0);
    expect(String(errorOf(() => decodeLz4Frames(tooBig, output, grow)))).toMatch(/expands to more than/);
  });

  it('refuses a bad header checksum, a bad block checksum and a wrong content size', () => {
    const frame = compressFrameSync(logLines(50), { blockChecksums: true });
    const badHeader = Buffer.from(frame);
    badHeader[6]! ^= 1;
    expect(String(errorOf(() => decode(badHeader)))).toMatch(/bad frame header checksum/);
    const badBlock = Buffer.from(frame);
    badBlock[frame.length - 5]! ^= 1;
    expect(String(errorOf(() => decode(badBlock)))).toMatch(/bad block checksum/);
    const data = logLines(3);
    const wrongSize = Buffer.concat([frameHeader({ contentSize: data.length + 1 }), block(data, true), END_MARK]);
    expect(String(errorOf(() => decode(wrongSize)))).toMatch(/declares/);
  });

  it('turns truncated, corrupted or random input into ProtocolError only, agreeing with lz4-napi whenever both decode', () => {
    const frames = [compressFrameSync(logLines(300)), compressFrameSync(logLines(300), { blockChecksums: true, contentChecksum: true })];
    fc.assert(
      fc.property(
        fc.nat({ max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (which, flips, cut) => {
          const frame = Buffer.from(frames[which]!);
          for (const [at, mask] of flips) frame[at % frame.length]! ^= mask;
          const input = frame.subarray(0, cut % (frame.length + 1));
          let ours: Buffer | undefined;
          try {
            ours = decode(input, 64 << 10);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
          let theirs: Buffer | undefined;
          try {
            theirs = decompressFrameSync(input);
          } catch {
            // lz4-napi refusing is not checked: it verifies content checksums, which Kafka (and we) skip.
          }
          if (ours !== undefined && theirs !== undefined) expect(ours.equals(theirs)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        // A valid header so that the block decoder, not the magic check, sees the random bytes.
        const input = Buffer.concat([frameHeader({}), block(Buffer.from(bytes), false), END_MARK]);
        const error = errorOf(() => decode(input, 64 << 10));
        if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
      }),
      { numRuns: 400 },
    );
  });
});
