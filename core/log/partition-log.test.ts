import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { RecordBatchView, batchViews } from '../protocol/record-batch-header.js';
import { iterateRecords } from '../protocol/records/record-iterator.js';
import { LogError } from './log-error.js';
import { readWholeFile } from './log-file-system.js';
import { batchOf, batchRanges, keyedBatch, memoryLog } from './testdata/log-fixtures.js';

function errorKind(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof LogError) return error.kind;
    throw error;
  }
  return 'no error';
}

describe('PartitionLog append and read', () => {
  it('assigns consecutive offsets by writing base offsets and the leader epoch into the batches in place', () => {
    const { log } = memoryLog();
    const first = batchOf(3);
    const second = batchOf(2, { first: 3 });
    const info = log.append(Buffer.concat([first, second]), 7);
    expect(info).toMatchObject({ firstOffset: 0n, lastOffset: 4n, batchCount: 2, recordCount: 5 });
    const third = batchOf(4, { first: 5 });
    expect(log.append(third, 7).firstOffset).toBe(5n);
    expect(third.readBigInt64BE(0)).toBe(5n);
    expect(new RecordBatchView(third, 0).partitionLeaderEpoch).toBe(7);
    expect(log.logEndOffset).toBe(9n);
    const read = log.read(0n, 1 << 20).records;
    expect(batchRanges(read)).toEqual([[0n, 2n], [3n, 4n], [5n, 8n]]);
    const values = [...batchViews(read)].flatMap((v) => [...iterateRecords(v)].map((r) => `${r.offset}:${r.value?.toString()}`));
    expect(values).toEqual(['0:v0', '1:v1', '2:v2', '3:v3', '4:v4', '5:v5', '6:v6', '7:v7', '8:v8']);
    expect([...batchViews(read)].every((v) => v.isCrcValid())).toBe(true);
  });

  it('rejects a whole append when any batch is invalid and appends nothing', () => {
    const { log } = memoryLog({ maxMessageBytes: 400 });
    log.append(batchOf(1), 0);
    const corrupt = batchOf(2);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(errorKind(() => log.append(Buffer.concat([batchOf(1), corrupt]), 0))).toBe('CORRUPT_MESSAGE');
    expect(errorKind(() => log.append(batchOf(2).subarray(0, 40), 0))).toBe('CORRUPT_MESSAGE');
    expect(errorKind(() => log.append(batchOf(1, { valueBytes: 500 }), 0))).toBe('MESSAGE_TOO_LARGE');
    const lying = batchOf(3);
    lying.writeInt32BE(1, 57); // recordsCount below lastOffsetDelta + 1: the CRC covers it, so redo the CRC
    expect(errorKind(() => log.append(fixCrc(lying), 0))).toBe('INVALID_RECORD');
    expect(log.logEndOffset).toBe(1n);
    expect(log.size).toBe(batchOf(1).length);
  });

  it('answers OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset] and an empty read at the end', () => {
    const { log } = memoryLog();
    log.append(batchOf(5), 0);
    expect(errorKind(() => log.read(6n, 100))).toBe('OFFSET_OUT_OF_RANGE');
    expect(errorKind(() => log.read(-1n, 100))).toBe('OFFSET_OUT_OF_RANGE');
    expect(log.read(5n, 100).records.length).toBe(0);
    log.deleteRecordsBefore(3n);
    expect(log.logStartOffset).toBe(3n);
    expect(errorKind(() => log.read(2n, 100))).toBe('OFFSET_OUT_OF_RANGE');
    expect(batchRanges(log.read(3n, 100).records)).toEqual([[0n, 4n]]);
  });

  it('returns one whole batch larger than maxBytes, and stops before maxOffset', () => {
    const { log } = memoryLog();
    for (let i = 0; i < 4; i++) log.append(batchOf(2, { valueBytes: 300 }), 0);
    expect(batchRanges(log.read(2n, 10).records)).toEqual([[2n, 3n]]);
    expect(log.read(2n, 10, { minOneMessage: false }).records.length).toBe(0);
    const batchSize = batchOf(2, { valueBytes: 300 }).length;
    expect(batchRanges(log.read(1n, batchSize * 2 + 10).records)).toEqual([[0n, 1n], [2n, 3n]]);
    expect(batchRanges(log.read(0n, 1 << 20, { maxOffset: 4n }).records)).toEqual([[0n, 1n], [2n, 3n]]);
    expect(log.read(4n, 1 << 20, { maxOffset: 4n }).records.length).toBe(0);
  });

  it('lands on the right batch for every offset of a 100k-record log with many segments', () => {
    const { log } = memoryLog({ segmentBytes: 64 * 1024, indexIntervalBytes: 512 });
    const expected: [bigint, bigint][] = [];
    let offset = 0n;
    let size = 1;
    while (offset < 100_000n) {
      const info = log.append(batchOf(size), 0);
      expected.push([info.firstOffset, info.lastOffset]);
      offset = info.lastOffset + 1n;
      size = (size * 7) % 23 + 1;
    }
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(10);
    let batch = 0;
    for (let o = 0n; o < offset; o++) {
      if (o > expected[batch]![1]) batch++;
      const read = log.read(o, 1, { minOneMessage: true }).records;
      const view = new RecordBatchView(read, 0);
      if (view.baseOffset !== expected[batch]![0] || read.length !== view.sizeInBytes) {
        throw new Error(`offset ${o}: got batch at ${view.baseOffset}, expected ${expected[batch]![0]}`);
      }
    }
  });

  it('rolls on segment.bytes, segment.ms and a full index', () => {
    const bySize = memoryLog({ segmentBytes: 1000 }).log;
    for (let i = 0; i < 10; i++) bySize.append(batchOf(1, { valueBytes: 200 }), 0);
    expect(bySize.segmentBaseOffsets).toEqual([0n, 3n, 6n, 9n]);
    const timed = memoryLog({ segmentMs: 1000 });
    timed.log.append(batchOf(1), 0);
    timed.clock.advance(1001);
    timed.log.append(batchOf(1), 0);
    expect(timed.log.segmentBaseOffsets).toEqual([0n, 1n]);
    const indexed = memoryLog({ segmentIndexBytes: 24, indexIntervalBytes: 0 }).log;
    for (let i = 0; i < 9; i++) indexed.append(batchOf(1), 0);
    // Equal timestamps add no time-index entries; offset-index entries from a segment's 2nd batch on, 3 fill 24 bytes.
    expect(indexed.segmentBaseOffsets).toEqual([0n, 4n, 8n]);
  });

  it('finds offsets by timestamp and the max timestamp, at record level', async () => {
    const { log } = memoryLog({ segmentBytes: 200 });
    log.append(batchOf(3, { timestampMs: 1000 }), 0); // 1000..1002
    log.append(batchOf(3, { timestampMs: 5000 }), 0); // 5000..5002
    log.append(batchOf(3, { timestampMs: 2000 }), 0); // 2000..2002
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(1);
    expect(await log.offsetForTimestamp(0n)).toEqual({ offset: 0n, timestamp: 1000n });
    expect(await log.offsetForTimestamp(1001n)).toEqual({ offset: 1n, timestamp: 1001n });
    expect(await log.offsetForTimestamp(1003n)).toEqual({ offset: 3n, timestamp: 5000n });
    expect(await log.offsetForTimestamp(5002n)).toEqual({ offset: 5n, timestamp: 5002n });
    expect(await log.offsetForTimestamp(5003n)).toBeNull();
    expect(await log.offsetForMaxTimestamp()).toEqual({ offset: 5n, timestamp: 5002n });
  });

  it('stamps LogAppendTime with the broker clock and a valid CRC', () => {
    const { log, clock } = memoryLog({ messageTimestampType: 'LogAppendTime' });
    const batch = batchOf(2, { timestampMs: 5 });
    const info = log.append(batch, 0);
    const view = new RecordBatchView(log.read(0n, 1000).records, 0);
    expect(info.logAppendTimeMs).toBe(BigInt(clock.nowMs()));
    expect(view.timestampType).toBe('LogAppendTime');
    expect(view.maxTimestamp).toBe(BigInt(clock.nowMs()));
    expect(view.isCrcValid()).toBe(true);
  });

  it('truncates to an offset, dropping whole batches and newer leader epochs', () => {
    const { log, fs } = memoryLog({ segmentBytes: 200 });
    log.append(batchOf(2), 1);
    log.append(batchOf(2), 1);
    log.append(batchOf(2), 2);
    log.append(batchOf(2), 3);
    log.truncateTo(4n);
    expect(log.logEndOffset).toBe(4n);
    expect(log.segmentBaseOffsets).toEqual([0n, 4n]);
    expect(batchRanges(log.read(0n, 1 << 20).records)).toEqual([[0n, 1n], [2n, 3n]]);
    expect(log.leaderEpochs.all).toEqual([{ epoch: 1, startOffset: 0n }]);
    expect(readWholeFile(fs, '/data/events-0/leader-epoch-checkpoint').toString()).toBe('0\n1\n1 0\n');
    expect(log.append(batchOf(1), 4).firstOffset).toBe(4n);
    expect(log.leaderEpochs.endOffsetFor(1, log.logEndOffset)).toEqual({ leaderEpoch: 1, endOffset: 4n });
  });

  it('deletes segments past retention.ms and beyond retention.bytes, never the active one', () => {
    const timed = memoryLog({ segmentBytes: 200, retentionMs: 10_000 });
    for (let i = 0; i < 4; i++) timed.log.append(batchOf(1, { timestampMs: timed.clock.nowMs() + i * 10_000, valueBytes: 100 }), 0);
    expect(timed.log.segmentBaseOffsets).toEqual([0n, 1n, 2n, 3n]);
    timed.clock.advance(15_000);
    expect(timed.log.deleteOldSegments()).toBe(1);
    expect(timed.log.logStartOffset).toBe(1n);
    timed.clock.advance(1_000_000);
    expect(timed.log.deleteOldSegments()).toBe(2);
    expect(timed.log.segmentBaseOffsets).toEqual([3n]);
    const sized = memoryLog({ segmentBytes: 200, retentionBytes: 300 });
    for (let i = 0; i < 5; i++) sized.log.append(batchOf(1, { valueBytes: 100 }), 0);
    sized.log.deleteOldSegments();
    // Kafka deletes only while the rest stays at or above retention.bytes
    expect(sized.log.size).toBe(2 * batchOf(1, { valueBytes: 100 }).length);
    expect(sized.log.segmentBaseOffsets).toEqual([3n, 4n]);
    expect(sized.log.logStartOffset).toBe(3n);
  });

  it('flushes after flush.messages records and advances the recovery point', () => {
    const { log, fs } = memoryLog({ flushMessages: 3 });
    const before = fs.syncCount;
    log.append(batchOf(2), 0);
    expect(log.recoveryPoint).toBe(0n);
    log.append(batchOf(1), 0);
    expect(fs.syncCount).toBeGreaterThan(before);
    expect(log.recoveryPoint).toBe(3n);
  });

  it('syncs rolled segments from the flusher task, not inside the append that rolled', () => {
    const { log, fs } = memoryLog({ segmentBytes: 200 });
    log.append(batchOf(1, { valueBytes: 100 }), 0);
    const syncs = fs.syncCount;
    log.append(batchOf(1, { valueBytes: 100 }), 0);
    expect(log.segmentBaseOffsets).toEqual([0n, 1n]);
    expect(fs.syncCount).toBe(syncs);
    expect(log.recoveryPoint).toBe(0n);
    expect(log.flushIfDue()).toBe(true);
    expect(log.recoveryPoint).toBe(1n);
    expect(fs.syncCount).toBe(syncs + 3); // the .log and its two index files
    expect(log.flushIfDue()).toBe(false);
  });

  it('reads into a caller-supplied buffer without allocating the result', () => {
    const { log } = memoryLog();
    for (let i = 0; i < 5; i++) log.append(batchOf(2, { valueBytes: 100 }), 0);
    const into = Buffer.alloc(4096);
    const { records } = log.read(4n, 10_000, { into });
    expect(records.buffer).toBe(into.buffer);
    expect(records.equals(log.read(4n, 10_000).records)).toBe(true);
    expect(batchRanges(records)).toEqual([[4n, 5n], [6n, 7n], [8n, 9n]]);
  });

  it('keeps a tombstone readable with its key', () => {
    const { log } = memoryLog();
    log.append(keyedBatch([{ key: 'k', value: null, timestampMs: 1 }]), 0);
    const [record] = [...iterateRecords(new RecordBatchView(log.read(0n, 100).records, 0))];
    expect(record?.key?.toString()).toBe('k');
    expect(record?.value).toBeNull();
  });
});

function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}
