import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { PartitionLeader } from './partition-leader.js';
import { ProducerStateManager } from './producer-state.js';
import { rebuildProducerState } from './producer-state-loader.js';

const NOW = 1_700_000_000_000;

function openLeader(fs: MemoryFileSystem, config: Partial<LogConfig> = {}, producerIdExpirationMs?: number) {
  const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config: { ...defaultLogConfig, ...config }, fs, clock: { nowMs: () => NOW } });
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, {
    compressionType: 'producer',
    minInsyncReplicas: 1,
    ...(producerIdExpirationMs === undefined ? {} : { producerIdExpirationMs }),
  });
  return { log, leader };
}

function batch(producerId: bigint, baseSequence: number, values: string[], producerEpoch = 0, timestamp = NOW): Buffer {
  return buildUncompressedRecordBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp })),
    producerId,
    producerEpoch,
    baseSequence,
  });
}

function produceSix(leader: PartitionLeader): void {
  for (let i = 0; i < 3; i++) {
    expect(leader.appendSync(batch(7n, i * 2, [`a${i}`, `b${i}`]), NOW, 1)!.baseOffset).toBe(BigInt(i * 2));
  }
}

describe('rebuilding producer state from the log', () => {
  it('still answers a retry from before a kill -9 with its first offsets, appending nothing, and sequences continue', () => {
    const fs = new MemoryFileSystem();
    produceSix(openLeader(fs).leader);
    fs.crashProcess();

    const { log, leader } = openLeader(fs);
    expect(leader.producerCount).toBe(1);
    const retry = leader.appendSync(batch(7n, 2, ['a1', 'b1']), NOW, 1)!;
    expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n, lastOffset: 3n, recordCount: 0 });
    expect(log.logEndOffset).toBe(6n);
    expect(leader.appendSync(batch(7n, 7, ['gap']), NOW, 1)!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.appendSync(batch(7n, 6, ['next']), NOW, 1)!.baseOffset).toBe(6n);
    expect(leader.appendSync(batch(7n, 0, ['old'], 0), NOW, 1)!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('rebuilds the same state after a clean close, epochs included', () => {
    const fs = new MemoryFileSystem();
    const first = openLeader(fs);
    produceSix(first.leader);
    expect(first.leader.appendSync(batch(7n, 0, ['bumped'], 1), NOW, 1)!.baseOffset).toBe(6n);
    first.log.close();

    const { leader } = openLeader(fs);
    expect(leader.appendSync(batch(7n, 6, ['stale']), NOW, 1)!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(leader.appendSync(batch(7n, 0, ['bumped'], 1), NOW, 1)).toMatchObject({ baseOffset: 6n, recordCount: 0 });
  });

  it('follows the log, not memory: a batch lost to power loss is appended again when retried', () => {
    const fs = new MemoryFileSystem();
    const first = openLeader(fs);
    produceSix(first.leader);
    first.log.flush();
    expect(first.leader.appendSync(batch(7n, 6, ['unsynced']), NOW, 1)!.baseOffset).toBe(6n);
    fs.crash();

    const { log, leader } = openLeader(fs);
    expect(log.logEndOffset).toBe(6n);
    expect(leader.appendSync(batch(7n, 6, ['unsynced']), NOW, 1)).toMatchObject({ baseOffset: 6n, recordCount: 1 });
    expect(log.logEndOffset).toBe(7n);
  });

  it('replays only the last two segments, as Kafka does without a snapshot', () => {
    const fs = new MemoryFileSystem();
    // Each batch is ~80 bytes: a 200-byte segment holds two of them.
    const { log, leader } = openLeader(fs, { segmentBytes: 200 });
    for (let i = 0; i < 8; i++) leader.appendSync(batch(BigInt(100 + i), 0, [`v${i}`]), NOW, 1);
    expect(log.segmentBaseOffsets.length).toBeGreaterThanOrEqual(3);

    const state = new ProducerStateManager();
    const replay = rebuildProducerState(log, state);
    const fromOffset = log.segmentBaseOffsets.at(-2)!;
    expect(replay.fromOffset).toBe(fromOffset);
    expect(replay.batches).toBe(Number(log.logEndOffset - fromOffset));
    for (let i = 0; i < 8; i++) expect(state.entry(BigInt(100 + i)) !== undefined).toBe(BigInt(i) >= fromOffset);
  });

  it('starts the replay at logStartOffset when DeleteRecords moved it into the replayed segments', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs);
    produceSix(leader);
    expect(leader.deleteRecordsBefore(4n).errorCode).toBe(ErrorCode.NONE);
    const state = new ProducerStateManager();
    expect(rebuildProducerState(log, state)).toEqual({ fromOffset: 4n, batches: 1, snapshotOffset: null });
    expect(state.entry(7n)?.batches.map((b) => b.firstOffset)).toEqual([4n]);
  });

  it('expires a rebuilt producer by its batch timestamps at housekeeping', () => {
    const fs = new MemoryFileSystem();
    produceSix(openLeader(fs).leader);
    fs.crashProcess();
    const { leader } = openLeader(fs, {}, 60_000);
    expect(leader.housekeeping(NOW + 59_999).producersExpired).toBe(0);
    expect(leader.housekeeping(NOW + 60_000).producersExpired).toBe(1);
    expect(leader.producerCount).toBe(0);
  });
});
