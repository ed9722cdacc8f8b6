import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol-error.js';
import { batchViews, BatchField, Compression, RecordBatchView, type CompressionCodec } from '../record-batch-header.js';
import type { KafkaRecord } from './kafka-record.js';
import { buildRecordBatch, buildUncompressedRecordBatch, type RecordInput } from './record-batch-builder.js';
import { batchRecords, iterateRecords } from './record-iterator.js';

const codecs: Array<[string, CompressionCodec]> = [
  ['none', Compression.none],
  ['gzip', Compression.gzip],
  ['snappy', Compression.snappy],
  ['lz4', Compression.lz4],
  ['zstd', Compression.zstd],
];

async function decode(batch: Buffer): Promise<KafkaRecord[]> {
  return [...(await batchRecords(new RecordBatchView(batch, 0)))];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const headerArb = fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 12 }), value: fc.option(fc.uint8Array({ maxLength: 16 }).map(Buffer.from)) });
const recordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 40 }).map(Buffer.from)),
  value: fc.option(fc.uint8Array({ maxLength: 300 }).map(Buffer.from)),
  headers: fc.array(headerArb, { maxLength: 4 }),
  timestamp: fc.bigInt({ min: -1n, max: 1n << 60n }),
  offsetGap: fc.integer({ min: 1, max: 1 << 24 }),
});

function withOffsetDeltas(records: Array<Omit<RecordInput, 'offsetDelta'> & { offsetGap: number }>): RecordInput[] {
  let delta = -1;
  return records.map(({ offsetGap, ...record }) => {
    delta += offsetGap;
    return { ...record, offsetDelta: delta };
  });
}

describe.each(codecs)('record batch with compression %s', (_name, compression) => {
  it('round-trips records: keys, values, nulls, headers, timestamps and large offset deltas', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 12 }), fc.bigInt({ min: 0n, max: 1n << 50n }), async (raw, baseOffset) => {
        const records = withOffsetDeltas(raw);
        const batch = await buildRecordBatch({ records, baseOffset, compression });
        const view = new RecordBatchView(batch, 0);
        expect(view.isCrcValid()).toBe(true);
        expect(view.sizeInBytes).toBe(batch.length);
        expect(view.compression).toBe(compression);
        expect(view.recordsCount).toBe(records.length);
        expect(view.lastOffsetDelta).toBe(records.at(-1)!.offsetDelta);
        expect(view.baseTimestamp).toBe(records[0]!.timestamp);
        expect(view.maxTimestamp).toBe(records.reduce((max, r) => (BigInt(r.timestamp) > max ? BigInt(r.timestamp) : max), -1n));
        const decoded = await decode(batch);
        expect(decoded.map((r) => r.offset)).toEqual(records.map((r) => baseOffset + BigInt(r.offsetDelta!)));
        expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
        expect(decoded.map((r) => r.key)).toEqual(records.map((r) => r.key));
        expect(decoded.map((r) => r.value)).toEqual(records.map((r) => r.value));
        expect(decoded.map((r) => r.headers)).toEqual(records.map((r) => r.headers));
      }),
      { numRuns: compression === Compression.none ? 200 : 60 },
    );
  });

  it('keeps empty keys and values distinct from null ones', async () => {
    const batch = await buildRecordBatch({
      compression,
      records: [
        { key: Buffer.alloc(0), value: null, timestamp: 5 },
        { key: null, value: Buffer.alloc(0), headers: [{ key: '', value: Buffer.alloc(0) }, { key: 'h', value: null }], timestamp: 4 },
      ],
    });
    const [first, second] = await decode(batch);
    expect(first!.key).toEqual(Buffer.alloc(0));
    expect(first!.value).toBeNull();
    expect(second!.key).toBeNull();
    expect(second!.value).toEqual(Buffer.alloc(0));
    expect(second!.headers).toEqual([{ key: '', value: Buffer.alloc(0) }, { key: 'h', value: null }]);
    expect(second!.timestampDelta).toBe(-1n);
  });
});

describe('record batch header fields', () => {
  it('writes producer fields, flags and the leader epoch as given', () => {
    const batch = buildUncompressedRecordBatch({
      records: [{ value: Buffer.from('a'), timestamp: 1000 }],
      baseOffset: 42n,
      partitionLeaderEpoch: 7,
      producerId: 9000n,
      producerEpoch: 3,
      baseSequence: 11,
      isTransactional: true,
    });
    const view = new RecordBatchView(batch, 0);
    expect([view.baseOffset, view.partitionLeaderEpoch, view.producerId, view.producerEpoch, view.baseSequence]).toEqual([42n, 7, 9000n, 3, 11]);
    expect([view.isTransactional, view.isControl, view.timestampType, view.magic]).toEqual([true, false, 'CreateTime', 2]);
  });

  it('writes Kafka\'s defaults for a plain producer: no producer id, epoch, sequence or leader epoch', () => {
    const view = new RecordBatchView(buildUncompressedRecordBatch({ records: [{ value: null, timestamp: 0 }] }), 0);
    expect([view.baseOffset, view.partitionLeaderEpoch, view.producerId, view.producerEpoch, view.baseSequence]).toEqual([0n, -1, -1n, -1, -1]);
  });

  it('encodes the smallest record in 7 bytes as the format says', () => {
    const batch = buildUncompressedRecordBatch({ records: [{ timestamp: 0 }] });
    expect(batch.length).toBe(61 + 7);
    expect(batch.subarray(61).toString('hex')).toBe('0c000000010100');
  });

  it('reports the batch maxTimestamp as every record\'s timestamp under LogAppendTime', async () => {
    const batch = await buildRecordBatch({
      records: [{ value: Buffer.from('a'), timestamp: 10 }, { value: Buffer.from('b'), timestamp: 20 }],
      timestampType: 'LogAppendTime',
      logAppendTime: 99_999n,
    });
    const view = new RecordBatchView(batch, 0);
    expect(view.timestampType).toBe('LogAppendTime');
    expect((await decode(batch)).map((r) => r.timestamp)).toEqual([99_999n, 99_999n]);
  });

  it('builds an empty batch with timestamps of -1', () => {
    const view = new RecordBatchView(buildUncompressedRecordBatch({ records: [] }), 0);
    expect([view.recordsCount, view.baseTimestamp, view.maxTimestamp, view.isCrcValid()]).toEqual([0, -1n, -1n, true]);
    expect([...iterateRecords(view)]).toEqual([]);
  });

  it('refuses offset deltas that do not increase', () => {
    expect(() => buildUncompressedRecordBatch({ records: [{ timestamp: 0, offsetDelta: 3 }, { timestamp: 0, offsetDelta: 3 }] })).toThrow(RangeError);
  });
});

describe('CRC-32C', () => {
  it('fails after any byte of the CRC-covered region is flipped, for every codec', async () => {
    for (const [, compression] of codecs) {
      const batch = await buildRecordBatch({ compression, records: [{ key: Buffer.from('k'), value: Buffer.from('value'), timestamp: 1 }] });
      for (let position = BatchField.attributes; position < batch.length; position++) {
        const tampered = Buffer.from(batch);
        tampered[position]! ^= 0x01;
        expect(new RecordBatchView(tampered, 0).isCrcValid()).toBe(false);
      }
    }
  });

  it('stays valid when the leader patches baseOffset and partitionLeaderEpoch in place', async () => {
    const batch = await buildRecordBatch({ compression: Compression.lz4, records: [{ value: Buffer.from('v'), timestamp: 1 }] });
    const view = new RecordBatchView(batch, 0);
    view.setBaseOffset(123_456_789_012n);
    view.setPartitionLeaderEpoch(77);
    expect(view.isCrcValid()).toBe(true);
    expect((await decode(batch))[0]!.offset).toBe(123_456_789_012n);
  });
});

describe('decoding bad input', () => {
  it('yields only ProtocolError for random, truncated or corrupted batch bytes', async () => {
    const valid = await Promise.all(
      codecs.map(([, compression]) =>
        buildRecordBatch({ compression, records: [{ key: Buffer.from('key'), value: Buffer.from('a value'), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: 7 }, { value: null, timestamp: 9 }] }),
      ),
    );
    const mutated = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat()).map(([batch, flips, cut]) => {
      const copy = Buffer.from(batch);
      for (const [at, byte] of flips) copy[at % copy.length] = byte;
      return copy.subarray(0, Math.max(0, copy.length - (cut % 8 === 0 ? cut % copy.length : 0)));
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 }).map(Buffer.from)), async (bytes) => {
        try {
          for (const view of batchViews(bytes)) await decodeAll(view);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses a record whose key length runs past the record', () => {
    const batch = buildUncompressedRecordBatch({ records: [{ key: Buffer.from('abc'), value: null, timestamp: 0 }] });
    batch[61 + 4] = 0x0c; // keyLength 6 where only 5 bytes of the record are left
    expect(() => [...iterateRecords(new RecordBatchView(batch, 0))]).toThrow(/^records\[0\]: key length 6 with 5 bytes left/);
  });

  it('refuses bytes left over after the declared record count', () => {
    const batch = buildUncompressedRecordBatch({ records: [{ timestamp: 0 }, { timestamp: 0 }] });
    batch.writeInt32BE(1, BatchField.recordsCount);
    expect(() => [...iterateRecords(new RecordBatchView(batch, 0))]).toThrow(/left after/);
  });

  it('refuses a record count larger than the records present', () => {
    const batch = buildUncompressedRecordBatch({ records: [{ timestamp: 0 }] });
    batch.writeInt32BE(1_000_000, BatchField.recordsCount);
    expect(() => [...iterateRecords(new RecordBatchView(batch, 0))]).toThrow(ProtocolError);
  });

  it('refuses a compressed batch above the decompression limit', async () => {
    const batch = await buildRecordBatch({ compression: Compression.zstd, records: [{ value: Buffer.alloc(4 << 20), timestamp: 0 }] });
    expect(await rejection(batchRecords(new RecordBatchView(batch, 0), { maxDecompressedBytes: 1 << 20 }))).toBeInstanceOf(ProtocolError);
  });
});

async function decodeAll(view: RecordBatchView): Promise<number> {
  let count = 0;
  for (const _record of await batchRecords(view, { maxDecompressedBytes: 1 << 20 })) count++;
  return count;
}
