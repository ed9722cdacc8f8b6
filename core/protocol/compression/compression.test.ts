import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Compression, type CompressionCodec } from '../record-batch-header.js';
import { ProtocolError } from '../protocol-error.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { compressRecords, decompressRecords, decompressRecordsSync } from './records-codec.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress, zstdDecompressSync } from './zstd.js';

const codecs: Array<[string, CompressionCodec]> = [
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
  ['zstd', Compression.zstd],
];

function logLines(count: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`{"ts":${1700000000000 + i},"level":"info","msg":"request ${i} served","status":${200 + (i % 3)}}\n`);
  return Buffer.from(lines.join(''));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(codecs)('%s records codec', (name, codec) => {
  it('round-trips bytes of every size, including empty and multi-block', async () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), logLines(3000), Buffer.alloc(300_000, 7)]) {
      const compressed = await compressRecords(codec, data);
      expect(compressed.equals(data) && data.length > 0).toBe(false);
      expect((await decompressRecords(codec, compressed)).equals(data)).toBe(true);
    }
  });

  it('actually compresses repetitive log lines', async () => {
    const data = logLines(2000);
    expect((await compressRecords(codec, data)).length).toBeLessThan(data.length / 3);
  });

  it('refuses output above the limit with a ProtocolError', async () => {
    const compressed = await compressRecords(codec, Buffer.alloc(2 * 1024 * 1024));
    const error = await rejection(decompressRecords(codec, compressed, { maxDecompressedBytes: 1024 * 1024 }));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(String(error)).toMatch(/expands to more than/);
    expect((await decompressRecords(codec, compressed, { maxDecompressedBytes: 2 * 1024 * 1024 })).length).toBe(2 * 1024 * 1024);
  });

  it(`turns truncated or random ${name} input into ProtocolError only`, async () => {
    const compressed = await compressRecords(codec, logLines(200));
    for (const cut of [1, 5, 17, compressed.length >> 1, compressed.length - 1]) {
      expect(await rejection(decompressRecords(codec, compressed.subarray(0, cut)))).toBeInstanceOf(ProtocolError);
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        try {
          await decompressRecords(codec, Buffer.from(bytes), { maxDecompressedBytes: 1 << 20 });
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('snappy', () => {
  it('writes snappy-java framing: magic, versions 1/1, then length-prefixed raw blocks', () => {
    const data = logLines(1000); // > 32 KiB: several blocks
    const framed = snappyCompress(data);
    expect(framed.subarray(0, 16).toString('hex')).toBe('82534e415050590000000001' + '00000001');
    const firstLength = framed.readInt32BE(16);
    const firstBlock = snappyDecompress(framed.subarray(20, 20 + firstLength));
    expect(firstBlock.equals(data.subarray(0, 32 * 1024))).toBe(true);
  });

  it('reads raw snappy as librdkafka may send it', () => {
    const data = logLines(100);
    expect(snappyDecompress(compressSync(data)).equals(data)).toBe(true);
  });

  it('refuses a raw block whose declared length is above the limit before allocating', () => {
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0x00]); // claims 2 GiB
    expect(() => snappyDecompress(bomb)).toThrow(ProtocolError);
  });
});

describe('lz4', () => {
  it('writes frames with independent blocks (Kafka reads no linked blocks)', () => {
    const frame = lz4Compress(logLines(100));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]! & 0x20).toBe(0x20);
  });

  it('refuses a frame declaring a huge content size', () => {
    const frame = Buffer.alloc(4 + 2 + 8 + 1 + 4);
    frame.writeUInt32LE(0x184d2204, 0);
    frame[4] = 0x68; // version 1, independent blocks, content size present
    frame[5] = 0x40;
    frame.writeBigUInt64LE(1n << 40n, 6);
    expect(() => lz4Decompress(frame)).toThrow(/expands to more than/);
  });
});

describe('zstd', () => {
  const bindings = createRequire(import.meta.url)('@mongodb-js/zstd/bindings') as { decompress(data: Buffer): Promise<Buffer> };

  it('decompresses synchronously with node:zlib on this Node (>= 22.15), as the @mongodb-js/zstd bindings do', async () => {
    for (const data of [Buffer.alloc(0), logLines(3000), Buffer.alloc(300_000, 7)]) {
      const frame = await zstdCompress(data, 3);
      const decompressed = zstdDecompressSync(frame);
      expect(decompressed?.equals(data)).toBe(true);
      expect(decompressed?.equals(await bindings.decompress(frame))).toBe(true);
      expect(decompressRecordsSync(Compression.zstd, frame)?.equals(data)).toBe(true);
    }
  });

  it('refuses zstd output past the limit even within the bound slack', async () => {
    const frame = await zstdCompress(Buffer.alloc((1 << 20) + 1000), 3);
    expect(() => zstdDecompressSync(frame, { maxDecompressedBytes: 1 << 20 })).toThrow(/expands to more than/);
  });

  it('refuses a tiny frame of RLE blocks that expands past the limit', async () => {
    // 200 RLE blocks of 128 KiB each: 800 bytes of input, 25 MiB of output.
    const blocks = 200;
    const frame = Buffer.alloc(6 + blocks * 4);
    frame.writeUInt32LE(0xfd2fb528, 0);
    frame[4] = 0x00; // no content size, not single segment
    frame[5] = 0x38; // window 2^17
    for (let i = 0; i < blocks; i++) {
      const last = i === blocks - 1 ? 1 : 0;
      frame.writeUIntLE(((128 * 1024) << 3) | (1 << 1) | last, 6 + i * 4, 3);
      frame[6 + i * 4 + 3] = 0x61;
    }
    expect(await rejection(zstdDecompress(frame, { maxDecompressedBytes: 1 << 20 }))).toBeInstanceOf(ProtocolError);
    expect((await zstdDecompress(frame, { maxDecompressedBytes: 32 << 20 })).length).toBe(blocks * 128 * 1024);
  });

  it('refuses a frame declaring a huge content size', async () => {
    const frame = Buffer.alloc(4 + 1 + 8 + 3);
    frame.writeUInt32LE(0xfd2fb528, 0);
    frame[4] = 0xe0; // 8-byte content size, single segment
    frame.writeBigUInt64LE(1n << 40n, 5);
    frame.writeUIntLE(1, 13, 3);
    expect(String(await rejection(zstdDecompress(frame)))).toMatch(/expands to more than/);
  });
});

describe('gzip', () => {
  it('reads concatenated gzip members as Java does', async () => {
    const data = Buffer.concat([gzipSync('hello '), gzipSync('world')]);
    expect((await decompressRecords(Compression.gzip, data)).toString()).toBe('hello world');
  });
});

it('rejects an unknown codec id', async () => {
  expect(await rejection(decompressRecords(5, Buffer.alloc(4)))).toBeInstanceOf(ProtocolError);
});
