import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../generated/error-codes.js';
import { Compression, RecordBatchView, batchViews } from '../record-batch-header.js';
import { handMadeBatch, handMadeRecord, overlongRecord } from '../test-support/hand-made-batch.js';
import { validateBatch, validateBatchSync } from './batch-validator.js';
import { buildRecordBatch, buildUncompressedRecordBatch } from './record-batch-builder.js';
import { iterateRecords, recordBytes } from './record-iterator.js';
import type { RecordRules } from './record-validator.js';

const NOW = 1_700_000_000_000;
const rules: RecordRules = {
  topicPartition: 't-0',
  keyRequired: false,
  timestampType: 'CreateTime',
  timestampBeforeMaxMs: Infinity,
  timestampAfterMaxMs: Infinity,
  nowMs: NOW,
  origin: 'client',
};
const view = (batch: Buffer): RecordBatchView => new RecordBatchView(batch, 0);
const value = (text: string): Buffer => Buffer.from(text);

describe('validateBatch', () => {
  it('accepts the batches kcat, kafkajs-style builders and every codec produce', async () => {
    const dir = join(import.meta.dirname, '../testdata/batches');
    const goldens = readdirSync(dir).filter((name) => name.startsWith('kcat-') && name.endsWith('.bin'));
    expect(goldens.length).toBeGreaterThan(0);
    for (const name of goldens) {
      for (const batch of batchViews(readFileSync(join(dir, name)))) expect(await validateBatch(batch, rules), name).toBeNull();
    }
    for (const codec of Object.values(Compression)) {
      const batch = await buildRecordBatch({
        compression: codec,
        records: [
          { key: value('k'), value: value('v'), headers: [{ key: 'h', value: null }], timestamp: NOW },
          { key: null, value: null, timestamp: NOW + 5 },
        ],
      });
      expect(await validateBatch(view(batch), rules), `codec ${codec}`).toBeNull();
    }
  });

  it('refuses the record of issue 13 (length 2^30, 20 bytes behind it) under a valid CRC, naming record 0', async () => {
    for (const codec of [Compression.none, Compression.lz4, Compression.zstd]) {
      const batch = view(await handMadeBatch(overlongRecord(), { count: 1, codec }));
      expect(batch.isCrcValid()).toBe(true);
      const invalid = await validateBatch(batch, rules);
      expect(invalid?.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(invalid?.errorMessage).toContain('expected 1073741824 bytes in record payload, but instead the buffer has only 20 remaining bytes');
      expect(invalid?.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: invalid?.errorMessage }]);
    }
  });

  it('refuses record counts, offset deltas and lengths that disagree with the bytes', async () => {
    const r0 = handMadeRecord(0, value('a'), value('b'));
    const r1 = handMadeRecord(1, null, value('c'));
    const cases: [string, Buffer, string][] = [
      ['count above the records', await handMadeBatch(Buffer.concat([r0, r1]), { count: 3 }), 'premature EOF'],
      ['count below the records', await handMadeBatch(Buffer.concat([r0, r1]), { count: 1 }), 'records still remaining'],
      ['count against lastOffsetDelta', await handMadeBatch(Buffer.concat([r0, r1]), { count: 2, lastOffsetDelta: 5 }), 'Inconsistent batch offset range [0, 5] and count of records 2'],
      ['zero records', await handMadeBatch(Buffer.alloc(0), { count: 0, lastOffsetDelta: 0 }), 'Invalid reported count for record batch: 0'],
      ['a gap in offset deltas', await handMadeBatch(Buffer.concat([r0, handMadeRecord(2, null, value('c'))]), { count: 2 }), 'Offset delta 2 where 1 was expected'],
      ['a repeated offset delta', await handMadeBatch(Buffer.concat([r0, handMadeRecord(0, null, value('c'))]), { count: 2 }), 'Offset delta 0 where 1 was expected'],
    ];
    for (const [what, batch, message] of cases) {
      const invalid = await validateBatch(view(batch), rules);
      expect(invalid?.errorCode, what).toBe(ErrorCode.INVALID_RECORD);
      expect(invalid?.errorMessage, what).toContain(message);
    }
    // Bytes after the last record: the batch is at fault, no record is.
    expect((await validateBatch(view(cases[1]![1]), rules))?.recordErrors).toEqual([]);
  });

  it("refuses a client's batch with a producer id but no sequence, and takes a coordinator's (its transactional offset commits), as Kafka's AppendOrigin", () => {
    const batch = buildUncompressedRecordBatch({ producerId: 7n, producerEpoch: 0, baseSequence: -1, isTransactional: true, records: [{ key: value('k'), value: value('v'), timestamp: NOW }] });
    const invalid = validateBatchSync(view(batch), rules);
    expect(invalid?.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(invalid?.errorMessage).toContain('Invalid sequence number -1');
    expect(validateBatchSync(view(batch), { ...rules, origin: 'coordinator' })).toBeNull();
  });

  it('refuses a key, value or header length past its record and a varint longer than its type', async () => {
    const good = handMadeRecord(0, value('key'), value('value'));
    // [length][attr][tsDelta][offsetDelta][keyLen]…: byte 4 is the key length (zig-zag 3 = 6).
    const keyTooLong = Buffer.from(good);
    keyTooLong[4] = 2 * 40;
    const valueNegative = Buffer.from(good);
    valueNegative[8] = 2 * 2 - 1; // zig-zag -2
    // The offset delta (byte 3, one byte) as a 5-byte varint with bits past 32: the record grows by 4 bytes.
    const overlongVarint = Buffer.concat([Buffer.from([good[0]! + 2 * 4, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x7f]), good.subarray(4)]);
    const headers = Buffer.from(good);
    headers[headers.length - 1] = 2 * 9; // nine headers in no bytes
    for (const [what, record, message] of [
      ['key', keyTooLong, 'Invalid key size 40'],
      ['value', valueNegative, 'Invalid value size -2'],
      ['varint', overlongVarint, 'malformed offset delta varint'],
      ['headers', headers, 'Invalid header key size'],
    ] as const) {
      const invalid = validateBatchSync(view(await handMadeBatch(record, { count: 1 })), rules);
      expect(invalid?.errorCode, what).toBe(ErrorCode.INVALID_RECORD);
      expect(invalid?.errorMessage, what).toContain(message);
      expect(invalid?.recordErrors.map((e) => e.batchIndex), what).toEqual([0]);
    }
  });

  it('refuses keyless records on a compacted topic with an error for each of them, as Kafka', async () => {
    const batch = await buildRecordBatch({
      compression: Compression.lz4,
      records: [
        { key: value('k'), value: value('1'), timestamp: NOW },
        { key: null, value: value('2'), timestamp: NOW },
        { key: null, value: value('3'), timestamp: NOW },
      ],
    });
    const invalid = await validateBatch(view(batch), { ...rules, keyRequired: true });
    const message = 'Compacted topic cannot accept message without key in topic partition t-0.';
    expect(invalid).toEqual({
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage: `One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${message}'), RecordError(batchIndex=2, message='${message}')]`,
      recordErrors: [
        { batchIndex: 1, batchIndexErrorMessage: message },
        { batchIndex: 2, batchIndexErrorMessage: message },
      ],
    });
  });

  it('checks CreateTime timestamps against message.timestamp.before/after.max.ms and refuses a producer setting LogAppendTime', async () => {
    const bounded = { ...rules, timestampBeforeMaxMs: 1000, timestampAfterMaxMs: 100 };
    const batch = buildUncompressedRecordBatch({
      records: [
        { value: value('old'), timestamp: NOW - 1001 },
        { value: value('edge'), timestamp: NOW - 1000 },
        { value: value('future'), timestamp: NOW + 101 },
        { value: value('edge'), timestamp: NOW + 100 },
      ],
    });
    const invalid = validateBatchSync(view(batch), bounded);
    expect(invalid?.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(invalid?.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    expect(invalid?.recordErrors).toEqual([
      { batchIndex: 0, batchIndexErrorMessage: `Timestamp ${NOW - 1001} of message with offset 0 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 100}]` },
      { batchIndex: 2, batchIndexErrorMessage: `Timestamp ${NOW + 101} of message with offset 2 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 100}]` },
    ]);
    expect(validateBatchSync(view(batch), rules)).toBeNull();
    const appendTime = buildUncompressedRecordBatch({ timestampType: 'LogAppendTime', logAppendTime: NOW, records: [{ value: value('x'), timestamp: NOW }] });
    expect(validateBatchSync(view(appendTime), { ...rules, timestampType: 'LogAppendTime' })?.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
  });

  it('answers a zstd batch synchronously where node:zlib has zstd (else only asynchronously), and corrupt compressed bytes with CORRUPT_MESSAGE', async () => {
    const zstd = await buildRecordBatch({ compression: Compression.zstd, records: [{ value: value('z'), timestamp: NOW }] });
    expect(validateBatchSync(view(zstd), rules)).toBe('zstdDecompressSync' in zlib ? null : undefined);
    expect(await validateBatch(view(zstd), rules)).toBeNull();
    for (const codec of [Compression.lz4, Compression.zstd]) {
      const garbage = await handMadeBatch(Buffer.from('not compressed at all'), { count: 1 });
      garbage.writeInt16BE(codec, 21);
      expect((await validateBatch(view(garbage), rules))?.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
  });

  it('validates lz4 batches one after another from the reused decoder buffer, each on its own records', async () => {
    const big = await buildRecordBatch({ compression: Compression.lz4, records: Array.from({ length: 500 }, (_, i) => ({ key: value(`k${i}`), value: value('v'.repeat(i)), timestamp: NOW })) });
    const keyless = await buildRecordBatch({ compression: Compression.lz4, records: [{ key: null, value: value('small'), timestamp: NOW }] });
    const compacted = { ...rules, keyRequired: true };
    expect(validateBatchSync(view(big), compacted)).toBeNull();
    expect(validateBatchSync(view(keyless), compacted)?.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: expect.stringMatching(/key/i) as unknown }]);
    expect(validateBatchSync(view(big), compacted)).toBeNull();
  });

  it('agrees with the record decoder on any mutation of a valid batch: valid only when it decodes with contiguous offsets', async () => {
    const base = buildUncompressedRecordBatch({
      records: [
        { key: value('k1'), value: value('v1'), headers: [{ key: 'h', value: value('x') }], timestamp: NOW },
        { key: null, value: value('v2'), timestamp: NOW + 1 },
      ],
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const records = Buffer.from(base.subarray(61));
        for (const [at, byte] of edits) records[at % records.length] = byte;
        const batch = view(await handMadeBatch(records, { count: 2 }));
        const invalid = await validateBatch(batch, rules);
        let decodes = true;
        try {
          const decoded = [...iterateRecords(batch, await recordBytes(batch))];
          decodes = decoded.every((record, index) => record.offsetDelta === index);
        } catch {
          decodes = false;
        }
        expect(invalid === null).toBe(decodes);
      }),
      { seed: 13, numRuns: 2000 },
    );
  });
});
