import * as platformatic from '@platformatic/kafka';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Compression, RecordBatchView, type CompressionCodec } from '../record-batch-header.js';
import { buildRecordBatch } from './record-batch-builder.js';
import { batchRecords } from './record-iterator.js';

// @platformatic/kafka's own batch writer and reader, the second independent
// client. It has no zstd on Node 20; it reads only raw snappy, not the
// snappy-java framing that Java clients (and we) write, so that direction is
// left out for snappy, exactly as it would fail against Apache Kafka.
interface PlatformaticBatch {
  firstOffset: bigint;
  producerId: bigint;
  lastOffsetDelta: number;
  maxTimestamp: bigint;
  firstTimestamp: bigint;
  records: Array<{ offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: Array<[Buffer | null, Buffer | null]> }>;
}
const { createRecordsBatch, readRecordsBatches, Reader } = platformatic as unknown as {
  createRecordsBatch(messages: object[], options: object): { buffer: Buffer };
  readRecordsBatches(reader: unknown): PlatformaticBatch[];
  Reader: { from(buffer: Buffer): unknown };
};

const codecs: Array<[string, CompressionCodec]> = [
  ['none', Compression.none],
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
];

const bytesArb = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength }).map(Buffer.from);
const recordsArb = fc.array(
  fc.record({
    key: bytesArb(1, 30),
    value: bytesArb(0, 300),
    headers: fc.array(fc.tuple(bytesArb(1, 8), bytesArb(0, 8)), { maxLength: 3 }),
    // @platformatic/kafka 1.35 truncates a timestampDelta to 32 bits when writing.
    timestamp: fc.bigInt({ min: 1n << 40n, max: (1n << 40n) + 0x7fffffffn }),
  }),
  { minLength: 1, maxLength: 10 },
);

describe.each(codecs)('@platformatic/kafka interop with compression %s', (name, compression) => {
  it('decodes batches built by @platformatic/kafka to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, async (records) => {
        const messages = records.map((r) => ({ topic: 't', partition: 0, key: r.key, value: r.value, timestamp: r.timestamp, headers: new Map(r.headers) }));
        const { buffer } = createRecordsBatch(messages, { compression: name, producerId: 66n, producerEpoch: 1, partitionLeaderEpoch: 4 });
        const view = new RecordBatchView(buffer, 0);
        expect([view.isCrcValid(), view.compression, view.producerId, view.partitionLeaderEpoch]).toEqual([true, compression, 66n, 4]);
        const decoded = [...(await batchRecords(view))];
        expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
        expect(decoded.map((r) => r.key)).toEqual(records.map((r) => r.key));
        expect(decoded.map((r) => r.value)).toEqual(records.map((r) => r.value));
        expect(decoded.map((r) => r.headers)).toEqual(records.map((r) => r.headers.map(([key, value]) => ({ key: key.toString('utf8'), value }))));
      }),
      { numRuns: 40 },
    );
  });

});

describe.each(codecs.filter(([, codec]) => codec !== Compression.snappy))('@platformatic/kafka reading our batches compressed with %s', (_name, compression) => {
  it('gets back the same records', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, fc.bigInt({ min: 0n, max: 1n << 50n }), async (records, baseOffset) => {
        const utf8Headers = records.map((r) => r.headers.map(([key, value]) => ({ key: key.toString('hex'), value })));
        const batch = await buildRecordBatch({ baseOffset, compression, producerId: 5n, records: records.map((r, i) => ({ ...r, headers: utf8Headers[i]! })) });
        const [decoded] = readRecordsBatches(Reader.from(batch));
        expect([decoded!.firstOffset, decoded!.producerId, decoded!.lastOffsetDelta]).toEqual([baseOffset, 5n, records.length - 1]);
        expect(decoded!.records.map((r) => decoded!.firstTimestamp + r.timestampDelta)).toEqual(records.map((r) => r.timestamp));
        expect(decoded!.records.map((r) => r.offsetDelta)).toEqual(records.map((_, i) => i));
        expect(decoded!.records.map((r) => r.key)).toEqual(records.map((r) => r.key));
        expect(decoded!.records.map((r) => r.value)).toEqual(records.map((r) => r.value));
        expect(decoded!.records.map((r) => r.headers)).toEqual(utf8Headers.map((hs) => hs.map((h) => [Buffer.from(h.key), h.value])));
      }),
      { numRuns: 40 },
    );
  });
});
