import { describe, expect, it } from 'vitest';
import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { IsolationLevel, PartitionLeader } from './partition-leader.js';

const NOW = 1_700_000_000_000;

/** A leader whose disk has `roomBytes` left once its log is open. */
function leaderOnDisk(roomBytes: number) {
  const fs = new MemoryFileSystem();
  const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config: defaultLogConfig, fs, clock: { nowMs: () => NOW } });
  fs.limitSpace(fs.usedBytes() + roomBytes);
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 3, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 });
  return { leader, log };
}

function batch(count: number): Buffer {
  return buildUncompressedRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.alloc(100, i), timestamp: NOW + i })),
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
  });
}

describe('a partition leader on a full disk (ENOSPC)', () => {
  it('answers Produce, Fetch, ListOffsets and DeleteRecords with KAFKA_STORAGE_ERROR and keeps what it acknowledged', () => {
    const { leader, log } = leaderOnDisk(3 * batch(4).length + 50);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push(leader.appendSync(batch(4), NOW, -1)!.errorCode);
    expect(codes).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.KAFKA_STORAGE_ERROR]);
    expect([log.logEndOffset, leader.highWatermark]).toEqual([12n, 12n]);
    expect(leader.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readUncommitted, minOneMessage: true }).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    return leader.listOffset(BigInt(NOW), IsolationLevel.readUncommitted).then((found) => {
      expect(found.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(leader.deleteRecordsBefore(4n).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    });
  });

  it('answers KAFKA_STORAGE_ERROR, not a throw, when the new leader epoch cannot be checkpointed', () => {
    // The first append of an epoch writes leader-epoch-checkpoint before the records: that ENOSPC is a
    // file-system error from outside the segment write, which the log does not wrap.
    const { leader, log } = leaderOnDisk(0);
    expect(leader.appendSync(batch(2), NOW, 1)!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(log.logEndOffset).toBe(0n);
    // The log itself did not fail: the error did not come through its own storage-error path.
    expect(leader.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readUncommitted, minOneMessage: true }).errorCode).toBe(ErrorCode.NONE);
  });
});
