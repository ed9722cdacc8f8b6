import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { BatchField, Compression, RecordBatchView, batchViews } from '../protocol/record-batch-header.js';
import { buildRecordBatch, buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { EARLIEST_TIMESTAMP, IsolationLevel, LATEST_TIMESTAMP, MAX_TIMESTAMP, PartitionLeader, type LeaderSettings } from './partition-leader.js';

const NOW = 1_700_000_000_000;

function openLeader(options: { config?: Partial<LogConfig>; settings?: Partial<LeaderSettings>; isr?: number[] } = {}) {
  const fs = new MemoryFileSystem();
  const log = PartitionLog.open({
    dir: '/data',
    topic: 'orders',
    partition: 0,
    config: { ...defaultLogConfig, ...options.config },
    fs,
    clock: { nowMs: () => NOW },
  });
  const isr = options.isr ?? [1];
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 3, replicas: isr, isr }, {
    compressionType: 'producer',
    minInsyncReplicas: 1,
    ...options.settings,
  });
  return { leader, log, fs };
}

function batch(values: string[], extra: { producerId?: bigint; producerEpoch?: number; baseSequence?: number; timestamp?: number } = {}): Buffer {
  return buildUncompressedRecordBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`k${v}`), value: Buffer.from(v), timestamp: (extra.timestamp ?? NOW) + i })),
    producerId: extra.producerId ?? -1n,
    producerEpoch: extra.producerEpoch ?? -1,
    baseSequence: extra.baseSequence ?? -1,
  });
}

async function values(records: Buffer): Promise<string[]> {
  const out: string[] = [];
  for (const view of batchViews(records)) for (const record of await batchRecords(view)) out.push(record.value!.toString());
  return out;
}

describe('PartitionLeader', () => {
  it('assigns consecutive offsets, moves the high watermark with the log end and reads back the same records', async () => {
    const { leader } = openLeader();
    const first = leader.appendSync(batch(['a', 'b', 'c']), NOW, 1)!;
    const second = leader.appendSync(batch(['d']), NOW, 1)!;
    expect([first.errorCode, first.baseOffset, first.lastOffset, first.recordCount]).toEqual([0, 0n, 2n, 3]);
    expect([second.baseOffset, second.lastOffset]).toEqual([3n, 3n]);
    expect(leader.highWatermark).toBe(4n);
    const read = leader.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readUncommitted, minOneMessage: true });
    expect(await values(read.records)).toEqual(['a', 'b', 'c', 'd']);
    const views = [...batchViews(read.records)];
    expect(views.map((v) => v.partitionLeaderEpoch)).toEqual([3, 3]);
    expect(views.every((v) => v.isCrcValid())).toBe(true);
  });

  it('refuses a batch with a bad CRC, a wrong magic, trailing bytes or above max.message.bytes, and appends nothing', () => {
    const { leader, log } = openLeader({ config: { maxMessageBytes: 200 } });
    const corrupt = batch(['x']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const oldMagic = batch(['x']);
    oldMagic.writeInt8(1, BatchField.magic);
    const twoBatches = Buffer.concat([batch(['x']), batch(['y'])]);
    const big = batch(['z'.repeat(300)]);
    expect(leader.appendSync(corrupt, NOW, 1)!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(leader.appendSync(oldMagic, NOW, 1)!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(leader.appendSync(twoBatches, NOW, 1)!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(leader.appendSync(big, NOW, 1)!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(leader.appendSync(Buffer.alloc(10), NOW, 1)!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(log.logEndOffset).toBe(0n);
    expect(log.size).toBe(0);
  });

  it('answers a retried idempotent batch with its first offsets and refuses gaps and fenced epochs', () => {
    const { leader, log } = openLeader();
    const producer = { producerId: 42n, producerEpoch: 0 };
    expect(leader.appendSync(batch(['a', 'b'], { ...producer, baseSequence: 0 }), NOW, 1)!.baseOffset).toBe(0n);
    expect(leader.appendSync(batch(['c'], { ...producer, baseSequence: 2 }), NOW, 1)!.baseOffset).toBe(2n);
    const retry = leader.appendSync(batch(['a', 'b'], { ...producer, baseSequence: 0 }), NOW, 1)!;
    expect([retry.errorCode, retry.baseOffset, retry.lastOffset]).toEqual([ErrorCode.NONE, 0n, 1n]);
    expect(log.logEndOffset).toBe(3n);
    expect(leader.appendSync(batch(['e'], { ...producer, baseSequence: 5 }), NOW, 1)!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.appendSync(batch(['f'], { producerId: 42n, producerEpoch: 1, baseSequence: 0 }), NOW, 1)!.baseOffset).toBe(3n);
    expect(leader.appendSync(batch(['g'], { ...producer, baseSequence: 3 }), NOW, 1)!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(log.logEndOffset).toBe(4n);
  });

  it('stamps LogAppendTime into maxTimestamp with a fresh CRC', () => {
    const { leader } = openLeader({ config: { messageTimestampType: 'LogAppendTime' } });
    const result = leader.appendSync(batch(['a'], { timestamp: 5 }), NOW + 7, 1)!;
    expect(result.logAppendTimeMs).toBe(BigInt(NOW + 7));
    const view = new RecordBatchView(leader.read(0n, 1000, { isolationLevel: 0, minOneMessage: true }).records, 0);
    expect([view.timestampType, view.maxTimestamp, view.isCrcValid()]).toEqual(['LogAppendTime', BigInt(NOW + 7), true]);
  });

  it('recompresses to the topic compression.type and keeps the records', async () => {
    const { leader } = openLeader({ settings: { compressionType: 'gzip' } });
    expect(leader.appendSync(batch(['a', 'b']), NOW, 1)).toBeNull();
    const result = await leader.append(batch(['a', 'b']), NOW, 1);
    expect(result.errorCode).toBe(0);
    const lz4 = await buildRecordBatch({ records: [{ value: Buffer.from('c'), timestamp: NOW }], compression: Compression.lz4 });
    expect((await leader.append(lz4, NOW, 1)).baseOffset).toBe(2n);
    const read = leader.read(0n, 1 << 20, { isolationLevel: 0, minOneMessage: true }).records;
    expect([...batchViews(read)].map((v) => [v.compression, v.isCrcValid()])).toEqual([[Compression.gzip, true], [Compression.gzip, true]]);
    expect(await values(read)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the high watermark at the slowest in-sync follower and refuses acks=-1 below min.insync.replicas', () => {
    const { leader } = openLeader({ isr: [1, 2], settings: { minInsyncReplicas: 3 } });
    expect(leader.appendSync(batch(['a']), NOW, -1)!.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    leader.appendSync(batch(['a', 'b']), NOW, 1);
    expect(leader.highWatermark).toBe(0n);
    expect(leader.read(0n, 1000, { isolationLevel: 0, minOneMessage: true }).records.length).toBe(0);
    leader.updateFollowerEndOffset(2, 2n);
    expect(leader.highWatermark).toBe(2n);
    leader.updateLeadership({ leaderEpoch: 4, replicas: [1, 2], isr: [1] });
    leader.appendSync(batch(['c']), NOW, 1);
    expect(leader.highWatermark).toBe(3n);
  });

  it('lists earliest, latest, max-timestamp and by-timestamp offsets, and deletes records below an offset', async () => {
    const { leader } = openLeader();
    leader.appendSync(batch(['a', 'b'], { timestamp: 1000 }), NOW, 1);
    leader.appendSync(batch(['c'], { timestamp: 5000 }), NOW, 1);
    leader.appendSync(batch(['d'], { timestamp: 3000 }), NOW, 1);
    expect((await leader.listOffset(LATEST_TIMESTAMP, 0)).offset).toBe(4n);
    expect((await leader.listOffset(EARLIEST_TIMESTAMP, 0)).offset).toBe(0n);
    const max = await leader.listOffset(MAX_TIMESTAMP, 0);
    expect([max.offset, max.timestamp]).toEqual([2n, 5000n]);
    const at = await leader.listOffset(1001n, 0);
    expect([at.offset, at.timestamp, at.leaderEpoch]).toEqual([1n, 1001n, 3]);
    expect((await leader.listOffset(9999n, 0)).offset).toBe(-1n);
    expect(leader.deleteRecordsBefore(5n).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(leader.deleteRecordsBefore(2n)).toEqual({ errorCode: 0, lowWatermark: 2n });
    expect((await leader.listOffset(EARLIEST_TIMESTAMP, 0)).offset).toBe(2n);
    expect(leader.read(0n, 1000, { isolationLevel: 0, minOneMessage: true }).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(leader.deleteRecordsBefore(-1n)).toEqual({ errorCode: 0, lowWatermark: 4n });
  });
});
