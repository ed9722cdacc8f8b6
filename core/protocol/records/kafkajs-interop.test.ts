import { createRequire } from 'node:module';
import fc from 'fast-check';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { snappyDecompress } from '../compression/snappy.js';
import { zstdDecompress } from '../compression/zstd.js';
import { Compression, RecordBatchView, type CompressionCodec } from '../record-batch-header.js';
import { buildRecordBatch, buildUncompressedRecordBatch } from './record-batch-builder.js';
import { batchRecords } from './record-iterator.js';

// kafkajs's own batch encoder and decoder prove that the bytes agree with an independent client.
const require = createRequire(import.meta.url);
interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null>;
}
interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KafkajsRecord[];
}
type Codec = { compress(encoder: KafkajsEncoder): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(input: object): Promise<KafkajsEncoder> };
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<KafkajsBatch>;
const KafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => KafkajsEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const { CompressionCodecs, CompressionTypes } = require('kafkajs') as { CompressionCodecs: Record<number, () => Codec>; CompressionTypes: Record<string, number> };
const zstd = require('@mongodb-js/zstd/bindings') as { compress(data: Buffer, level: number): Promise<Buffer> };

// kafkajs ships only gzip: the others compress with the libraries directly (raw snappy, as librdkafka may send it).
CompressionCodecs[CompressionTypes.Snappy!] = () => ({ compress: async (e) => compressSync(e.buffer), decompress: async (b) => snappyDecompress(b) });
CompressionCodecs[CompressionTypes.LZ4!] = () => ({ compress: async (e) => compressFrameSync(e.buffer), decompress: async (b) => decompressFrameSync(b) });
CompressionCodecs[CompressionTypes.ZSTD!] = () => ({ compress: async (e) => zstd.compress(e.buffer, 3), decompress: async (b) => zstdDecompress(b) });

const codecs: Array<[string, CompressionCodec]> = [
  ['none', Compression.none],
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
  ['zstd', Compression.zstd],
];

interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer }>;
  timestamp: number;
}
const bytesArb = (maxLength: number) => fc.uint8Array({ maxLength }).map(Buffer.from);
const recordsArb = fc.array(
  fc.record({
    key: fc.option(bytesArb(30)),
    value: fc.option(bytesArb(200)),
    // kafkajs folds headers into an object: unique, non-numeric keys keep their order.
    headers: fc.uniqueArray(fc.string({ maxLength: 8 }).map((k) => `h-${k}`), { maxLength: 3 }).chain((keys) =>
      fc.tuple(...keys.map((key) => bytesArb(10).map((value) => ({ key, value })))),
    ),
    timestamp: fc.integer({ min: 0, max: 2 ** 47 }),
  }),
  { minLength: 1, maxLength: 10 },
);

function headersObject(headers: TestRecord['headers']): Record<string, Buffer> {
  return Object.fromEntries(headers.map((h) => [h.key, h.value]));
}

describe.each(codecs)('kafkajs interop with compression %s', (_name, compression) => {
  it('decodes batches built by kafkajs to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, fc.integer({ min: 0, max: 2 ** 40 }), async (records: TestRecord[], firstOffset) => {
        const firstTimestamp = records[0]!.timestamp;
        const encoded = await RecordBatch({
          compression,
          firstOffset: String(firstOffset),
          firstTimestamp,
          maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
          lastOffsetDelta: records.length - 1,
          producerId: '77',
          producerEpoch: 2,
          firstSequence: 5,
          records: records.map((r, i) =>
            KafkajsRecordEncoder({ offsetDelta: i, timestampDelta: r.timestamp - firstTimestamp, key: r.key, value: r.value, headers: headersObject(r.headers) }),
          ),
        });
        const view = new RecordBatchView(encoded.buffer, 0);
        expect(view.isCrcValid()).toBe(true);
        expect([view.producerId, view.producerEpoch, view.baseSequence, view.recordsCount]).toEqual([77n, 2, 5, records.length]);
        const decoded = [...(await batchRecords(view))];
        expect(decoded.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(firstOffset + i)));
        expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => BigInt(r.timestamp)));
        expect(decoded.map((r) => r.key)).toEqual(records.map((r) => r.key));
        expect(decoded.map((r) => r.value)).toEqual(records.map((r) => r.value));
        expect(decoded.map((r) => r.headers)).toEqual(records.map((r) => r.headers));
      }),
      { numRuns: 40 },
    );
  });

  it('builds batches that kafkajs decodes to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, fc.bigInt({ min: 0n, max: 1n << 50n }), async (records: TestRecord[], baseOffset) => {
        const batch = await buildRecordBatch({ records, baseOffset, compression, producerId: 1234n, producerEpoch: 1, baseSequence: 9, isTransactional: true });
        const decoded = await decodeBatch(new Decoder(batch));
        expect([decoded.firstOffset, decoded.producerId, decoded.producerEpoch, decoded.firstSequence, decoded.inTransaction]).toEqual([String(baseOffset), '1234', 1, 9, true]);
        expect(decoded.lastOffsetDelta).toBe(records.length - 1);
        expect(decoded.maxTimestamp).toBe(String(Math.max(...records.map((r) => r.timestamp))));
        expect(decoded.records.map((r) => r.offset)).toEqual(records.map((_, i) => String(baseOffset + BigInt(i))));
        expect(decoded.records.map((r) => r.timestamp)).toEqual(records.map((r) => String(r.timestamp)));
        expect(decoded.records.map((r) => r.key)).toEqual(records.map((r) => r.key));
        expect(decoded.records.map((r) => r.value)).toEqual(records.map((r) => r.value));
        expect(decoded.records.map((r) => r.headers)).toEqual(records.map((r) => headersObject(r.headers)));
      }),
      { numRuns: 40 },
    );
  });
});

it('builds uncompressed batches byte-identical to kafkajs for the same fields and records', async () => {
  await fc.assert(
    fc.asyncProperty(recordsArb, fc.integer({ min: 0, max: 2 ** 40 }), async (records: TestRecord[], firstOffset) => {
      const firstTimestamp = records[0]!.timestamp;
      const theirs = await RecordBatch({
        firstOffset: String(firstOffset),
        firstTimestamp,
        maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
        partitionLeaderEpoch: 3,
        lastOffsetDelta: records.length - 1,
        producerId: '77',
        producerEpoch: 2,
        firstSequence: 5,
        records: records.map((r, i) =>
          KafkajsRecordEncoder({ offsetDelta: i, timestampDelta: r.timestamp - firstTimestamp, key: r.key, value: r.value, headers: headersObject(r.headers) }),
        ),
      });
      const ours = buildUncompressedRecordBatch({ records, baseOffset: BigInt(firstOffset), partitionLeaderEpoch: 3, producerId: 77n, producerEpoch: 2, baseSequence: 5 });
      expect(ours.toString('hex')).toBe(theirs.buffer.toString('hex'));
    }),
    { numRuns: 60 },
  );
});
