import { describe, expect, it } from 'vitest';
import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { decodeTransactionIndex, TransactionIndex } from '../log/transaction-index.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { batchViews } from '../protocol/record-batch-header.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { IsolationLevel, LATEST_TIMESTAMP, PartitionLeader } from './partition-leader.js';
import { segmentBaseFor } from './producer-state-loader.js';
import { PartitionTransactions } from './transaction-state.js';

const NOW = 1_700_000_000_000;
const DIR = '/data/orders-0';

function openLeader(fs: MemoryFileSystem, options: { recoveryPoint?: bigint; segmentBytes?: number } = {}) {
  const config = { ...defaultLogConfig, segmentBytes: options.segmentBytes ?? defaultLogConfig.segmentBytes };
  const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config, fs, clock: { nowMs: () => NOW }, ...(options.recoveryPoint === undefined ? {} : { recoveryPoint: options.recoveryPoint }) });
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 }, fs);
  return { log, leader };
}

const txnBatch = (producerId: bigint, producerEpoch: number, baseSequence: number, ...values: string[]): Buffer =>
  buildUncompressedRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v), timestamp: NOW })), producerId, producerEpoch, baseSequence, isTransactional: true });

const plainBatch = (value: string): Buffer => buildUncompressedRecordBatch({ records: [{ value: Buffer.from(value), timestamp: NOW }] });

/** Offsets of the data and markers a read returns, as a consumer sees the batches. */
function readBatches(leader: PartitionLeader, isolationLevel: number) {
  const result = leader.read(0n, 1 << 20, { isolationLevel, minOneMessage: true });
  return { ...result, batches: [...batchViews(result.records)].map((v) => `${v.isControl ? 'marker' : 'data'}@${v.baseOffset}${v.producerId >= 0n ? `/p${v.producerId}` : ''}`) };
}

const txnIndexFiles = (fs: MemoryFileSystem): string[] => fs.list(DIR).filter((n) => n.endsWith('.txnindex')).sort();

/**
 * Producer 1 commits offsets 0-1 (marker 4), producer 2 aborts 2 and 5
 * (marker 6), a plain batch at 3 and 7: the LSO stops at the earliest open
 * transaction while they run.
 */
function commitAndAbort(leader: PartitionLeader) {
  expect(leader.appendSync(txnBatch(1n, 0, 0, 'c0', 'c1'), NOW, -1)!.baseOffset).toBe(0n);
  expect(leader.lastStableOffset).toBe(0n);
  expect(leader.appendSync(txnBatch(2n, 0, 0, 'a2'), NOW, -1)!.baseOffset).toBe(2n);
  expect(leader.appendSync(plainBatch('x3'), NOW, -1)!.baseOffset).toBe(3n);
  expect(leader.highWatermark).toBe(4n);
  expect(leader.lastStableOffset).toBe(0n);
  expect(leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: true, coordinatorEpoch: 0 }, NOW).baseOffset).toBe(4n);
  // Producer 2's transaction still holds it back.
  expect(leader.lastStableOffset).toBe(2n);
  expect(leader.appendSync(txnBatch(2n, 0, 1, 'a5'), NOW, -1)!.baseOffset).toBe(5n);
  expect(leader.appendMarker({ producerId: 2n, producerEpoch: 0, committed: false, coordinatorEpoch: 0 }, NOW).baseOffset).toBe(6n);
  expect(leader.appendSync(plainBatch('x7'), NOW, -1)!.baseOffset).toBe(7n);
  expect(leader.lastStableOffset).toBe(8n);
}

describe('transactions on a partition', () => {
  it('holds the last stable offset at the earliest open transaction, and read_committed reads stop there', async () => {
    const { leader } = openLeader(new MemoryFileSystem());
    leader.appendSync(txnBatch(1n, 0, 0, 'c0', 'c1'), NOW, -1);
    leader.appendSync(plainBatch('x2'), NOW, -1);
    expect(readBatches(leader, IsolationLevel.readCommitted)).toMatchObject({ lastStableOffset: 0n, highWatermark: 3n, batches: [], abortedTransactions: [] });
    expect(readBatches(leader, IsolationLevel.readUncommitted)).toMatchObject({ batches: ['data@0/p1', 'data@2'], abortedTransactions: null });
    expect(await leader.listOffset(LATEST_TIMESTAMP, IsolationLevel.readCommitted)).toMatchObject({ offset: 0n });
    expect(await leader.listOffset(LATEST_TIMESTAMP, IsolationLevel.readUncommitted)).toMatchObject({ offset: 3n });
    leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: true, coordinatorEpoch: 0 }, NOW);
    expect(readBatches(leader, IsolationLevel.readCommitted)).toMatchObject({ lastStableOffset: 4n, batches: ['data@0/p1', 'data@2', 'marker@3/p1'], abortedTransactions: [] });
  });

  it('writes an abort to the .txnindex of the marker segment in Kafka\'s format and hands it to read_committed fetches', () => {
    const fs = new MemoryFileSystem();
    const { leader } = openLeader(fs);
    commitAndAbort(leader);
    const read = readBatches(leader, IsolationLevel.readCommitted);
    expect(read.batches).toEqual(['data@0/p1', 'data@2/p2', 'data@3', 'marker@4/p1', 'data@5/p2', 'marker@6/p2', 'data@7']);
    expect(read.abortedTransactions).toEqual([{ producerId: 2n, firstOffset: 2n }]);
    // A fetch from past the abort marker needs no aborted transactions.
    expect(leader.read(7n, 1 << 20, { isolationLevel: IsolationLevel.readCommitted, minOneMessage: true }).abortedTransactions).toEqual([]);
    expect(txnIndexFiles(fs)).toEqual(['00000000000000000000.txnindex']);
    const bytes = fs.contents(`${DIR}/00000000000000000000.txnindex`);
    // version 0, producerId 2, firstOffset 2, lastOffset 6 (the marker), lastStableOffset 7 (nothing else open).
    expect(bytes.toString('hex')).toBe(['0000', '0000000000000002', '0000000000000002', '0000000000000006', '0000000000000007'].join(''));
    expect(decodeTransactionIndex(bytes)).toEqual([{ producerId: 2n, firstOffset: 2n, lastOffset: 6n, lastStableOffset: 7n }]);
  });

  it('a follower appending the leader\'s batches has its LSO, open transactions and .txnindex, so once leader it serves read_committed the same', () => {
    const leaderFs = new MemoryFileSystem();
    const { leader } = openLeader(leaderFs);
    commitAndAbort(leader);
    // Producer 3 opens a transaction the follower must hold read_committed at once it leads.
    expect(leader.appendSync(txnBatch(3n, 0, 0, 'o8'), NOW, -1)!.baseOffset).toBe(8n);
    const followerFs = new MemoryFileSystem();
    const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config: defaultLogConfig, fs: followerFs, clock: { nowMs: () => NOW } });
    const follower = new PartitionLeader(log, 2, { leaderEpoch: 0, replicas: [1, 2], isr: [1, 2], leaderId: 1 }, { compressionType: 'producer', minInsyncReplicas: 1 }, followerFs);
    // Two fetches, split inside the aborted transaction.
    const all = leader.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readUncommitted, minOneMessage: true }).records;
    const views = [...batchViews(all)];
    const splitAt = views.findIndex((v) => v.baseOffset === 5n);
    follower.appendAsFollower(Buffer.concat(views.slice(0, splitAt).map((v) => v.bytes())), leader.highWatermark);
    follower.appendAsFollower(Buffer.concat(views.slice(splitAt).map((v) => v.bytes())), leader.highWatermark);
    follower.updateLeadership({ leaderEpoch: 1, replicas: [1, 2], isr: [2], leaderId: 2 }, NOW);
    expect(follower.isLeader).toBe(true);
    expect(follower.lastStableOffset).toBe(8n);
    const read = (p: PartitionLeader) => p.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readCommitted, minOneMessage: true });
    expect(read(follower).abortedTransactions).toEqual([{ producerId: 2n, firstOffset: 2n }]);
    expect(read(follower).records.equals(read(leader).records)).toBe(true);
    expect(txnIndexFiles(followerFs).map((n) => followerFs.contents(`${DIR}/${n}`).toString('hex'))).toEqual(txnIndexFiles(leaderFs).map((n) => leaderFs.contents(`${DIR}/${n}`).toString('hex')));
  });

  it('refuses a non-transactional batch inside a producer\'s transaction and a zombie\'s batch after a fencing marker', () => {
    const { leader } = openLeader(new MemoryFileSystem());
    leader.appendSync(txnBatch(1n, 0, 0, 'a'), NOW, -1);
    const plainFromSameProducer = buildUncompressedRecordBatch({ records: [{ value: Buffer.from('b'), timestamp: NOW }], producerId: 1n, producerEpoch: 0, baseSequence: 1 });
    expect(leader.appendSync(plainFromSameProducer, NOW, -1)!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The coordinator fences epoch 0 by aborting under epoch 1.
    expect(leader.appendMarker({ producerId: 1n, producerEpoch: 1, committed: false, coordinatorEpoch: 0 }, NOW).errorCode).toBe(ErrorCode.NONE);
    expect(leader.appendSync(txnBatch(1n, 0, 1, 'late'), NOW, -1)!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: true, coordinatorEpoch: 0 }, NOW).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(leader.appendSync(txnBatch(1n, 1, 0, 'next'), NOW, -1)!.errorCode).toBe(ErrorCode.NONE);
    expect(leader.lastStableOffset).toBe(2n);
  });

  it('after a clean restart and after a kill -9, rebuilds the .txnindex, the LSO and the open transactions exactly as a replay of the whole log finds them', () => {
    for (const restart of ['clean', 'kill -9'] as const) {
      const fs = new MemoryFileSystem();
      // Small segments: markers and transactions spread over several segments, with snapshots at each roll.
      const { log, leader } = openLeader(fs, { segmentBytes: 250 });
      commitAndAbort(leader);
      leader.appendSync(txnBatch(3n, 0, 0, 'open8'), NOW, -1);
      leader.appendSync(txnBatch(2n, 0, 2, 'a9'), NOW, -1);
      leader.appendMarker({ producerId: 2n, producerEpoch: 0, committed: false, coordinatorEpoch: 0 }, NOW);
      leader.appendSync(plainBatch('x11'), NOW, -1);
      expect(log.segmentBaseOffsets.length).toBeGreaterThan(3);
      const before = { lso: leader.lastStableOffset, aborted: leader.transactions.index.all(), files: txnIndexFiles(fs), open: leader.transactions.ongoingFirstOffset(3n) };
      expect(before.lso).toBe(8n);
      expect(before.aborted.map((a) => [a.firstOffset, a.lastOffset])).toEqual([[2n, 6n], [9n, 10n]]);
      leader.housekeeping(NOW);
      if (restart === 'clean') {
        leader.writeProducerSnapshot();
        log.close();
      } else {
        fs.crashProcess();
      }
      // After the kill -9 every segment is recovered (checkpoint 0): the snapshots past it go and the open transaction comes from the replay.
      const reopened = openLeader(fs, { segmentBytes: 250, ...(restart === 'kill -9' ? { recoveryPoint: 0n } : {}) });
      const after = { lso: reopened.leader.lastStableOffset, aborted: reopened.leader.transactions.index.all(), files: txnIndexFiles(fs), open: reopened.leader.transactions.ongoingFirstOffset(3n) };
      expect(after, restart).toEqual(before);
      // The recomputation: every batch of the log, from its start, through a fresh state.
      const recomputed = new PartitionTransactions(TransactionIndex.inMemory());
      for (let offset = 0n; offset < reopened.log.logEndOffset; ) {
        for (const view of batchViews(reopened.log.read(offset, 1 << 20).records)) {
          recomputed.onBatch(view, () => segmentBaseFor(reopened.log.segmentBaseOffsets, view.baseOffset));
          offset = view.lastOffset + 1n;
        }
      }
      expect({ lso: recomputed.lastStableOffset(reopened.leader.highWatermark), aborted: recomputed.index.all(), open: recomputed.ongoingFirstOffset(3n) }).toEqual({ lso: before.lso, aborted: before.aborted, open: before.open });
    }
  });

  it('drops the .txnindex of segments retention deletes, and the aborts a truncation cuts off', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs, { segmentBytes: 250 });
    commitAndAbort(leader);
    leader.appendSync(txnBatch(2n, 0, 2, 'a8'), NOW, -1);
    leader.appendMarker({ producerId: 2n, producerEpoch: 0, committed: false, coordinatorEpoch: 0 }, NOW);
    leader.appendSync(plainBatch('x10'), NOW, -1);
    const files = txnIndexFiles(fs);
    expect(files.length).toBe(2);
    leader.truncateTo(9n);
    expect(leader.transactions.index.all().map((a) => a.lastOffset)).toEqual([6n]);
    expect(leader.transactions.ongoingFirstOffset(2n)).toBe(8n);
    expect(leader.lastStableOffset).toBe(8n);
    expect(leader.deleteRecordsBefore(8n).errorCode).toBe(ErrorCode.NONE);
    expect(log.segmentBaseOffsets[0]! > 6n).toBe(true);
    expect(txnIndexFiles(fs)).toEqual([]);
    expect(leader.transactions.index.all()).toEqual([]);
  });

  it('fences the markers of a coordinator older than the last one that wrote here, also after a restart', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs);
    leader.appendSync(txnBatch(1n, 0, 0, 'a'), NOW, -1);
    expect(leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: true, coordinatorEpoch: 3 }, NOW).errorCode).toBe(ErrorCode.NONE);
    expect(leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: false, coordinatorEpoch: 2 }, NOW).errorCode).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    expect(leader.describeProducers()).toMatchObject([{ producerId: 1n, coordinatorEpoch: 3, currentTxnStartOffset: -1n }]);
    leader.writeProducerSnapshot();
    log.close();
    const reopened = openLeader(fs);
    expect(reopened.leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: false, coordinatorEpoch: 2 }, NOW).errorCode).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    expect(reopened.leader.appendMarker({ producerId: 1n, producerEpoch: 0, committed: true, coordinatorEpoch: 4 }, NOW).errorCode).toBe(ErrorCode.NONE);
  });

  it('keeps the epoch a fencing marker bumped across a clean restart, though the producer has no batch of that epoch', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs);
    leader.appendSync(txnBatch(1n, 0, 0, 'a'), NOW, -1);
    leader.appendMarker({ producerId: 1n, producerEpoch: 1, committed: false, coordinatorEpoch: 0 }, NOW);
    leader.writeProducerSnapshot();
    log.close();
    const reopened = openLeader(fs);
    // The snapshot at the log end is all the open replays: the zombie's epoch 0 must still be refused.
    expect(reopened.leader.producerStateReplay).toMatchObject({ snapshotOffset: 2n, batches: 0 });
    expect(reopened.leader.appendSync(txnBatch(1n, 0, 1, 'late'), NOW, -1)!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});
