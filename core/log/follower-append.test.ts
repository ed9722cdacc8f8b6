import { describe, expect, it } from 'vitest';
import { RecordBatchView, batchViews } from '../protocol/record-batch-header.js';
import { batchOf, batchRanges, memoryLog } from './testdata/log-fixtures.js';

/** A batch as a leader stored it: its base offset and leader epoch written in. */
function leaderBatch(baseOffset: bigint, count: number, epoch: number, valueBytes = 0): Buffer {
  const batch = batchOf(count, { valueBytes });
  const view = new RecordBatchView(batch, 0);
  view.setBaseOffset(baseOffset);
  view.setPartitionLeaderEpoch(epoch);
  return batch;
}

describe('PartitionLog.appendAsFollower', () => {
  it('stores the leader bytes unchanged, keeping their offsets and epochs', () => {
    const { log } = memoryLog();
    const fetched = Buffer.concat([leaderBatch(0n, 3, 1), leaderBatch(3n, 2, 2)]);
    const copy = Buffer.from(fetched);
    log.appendAsFollower(fetched);
    expect(log.read(0n, 1 << 20).records.equals(copy)).toBe(true);
    expect(log.leaderEpochs.all).toEqual([
      { epoch: 1, startOffset: 0n },
      { epoch: 2, startOffset: 3n },
    ]);
    expect(log.logEndOffset).toBe(5n);
  });

  it('keeps segment bases contiguous over a compaction gap, so a kill -9 and recovery keep everything', () => {
    // Each batch fills a segment: every follower append rolls.
    const h = memoryLog({ segmentBytes: 400 });
    h.log.appendAsFollower(leaderBatch(0n, 2, 1, 100));
    // The leader's cleaner removed offsets 2..9: the next fetched batch starts at 10.
    h.log.appendAsFollower(leaderBatch(10n, 2, 1, 100));
    h.log.appendAsFollower(leaderBatch(20n, 1, 1, 100));
    expect(h.log.segmentBaseOffsets).toEqual([0n, 2n, 12n]);
    h.fs.crashProcess();
    const reopened = h.reopen();
    expect(reopened.recoveryReport.problem).toBeNull();
    expect(reopened.logEndOffset).toBe(21n);
    expect(batchRanges(reopened.read(0n, 1 << 20).records)).toEqual([[0n, 1n]]);
    const all = [0n, 2n, 12n].flatMap((offset) => [...batchViews(reopened.read(offset, 1 << 20).records)].map((v) => v.baseOffset));
    expect(all).toEqual([0n, 10n, 20n]);
  });

  it('refuses batches that go back below the log end', () => {
    const { log } = memoryLog();
    log.appendAsFollower(leaderBatch(0n, 3, 1));
    expect(() => log.appendAsFollower(leaderBatch(2n, 1, 1))).toThrow(/does not follow/);
    expect(log.logEndOffset).toBe(3n);
  });
});
