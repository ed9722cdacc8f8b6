import { describe, expect, it } from 'vitest';
import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { PartitionLeader } from './partition-leader.js';
import { decodeProducerSnapshot, snapshotFileName, writeProducerSnapshot } from './producer-state-snapshot.js';

const NOW = 1_700_000_000_000;
const DIR = '/data/orders-0';
/** Two one-record batches per segment: segments start at 0, 2, 4, 6, 8 after ten appends. */
const config = { ...defaultLogConfig, segmentBytes: 200 };

function openLeader(fs: MemoryFileSystem, recoveryPoint?: bigint) {
  const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config, fs, clock: { nowMs: () => NOW }, ...(recoveryPoint === undefined ? {} : { recoveryPoint }) });
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 }, fs);
  return { log, leader };
}

const batch = (producerId: bigint, baseSequence: number, value: string): Buffer =>
  buildUncompressedRecordBatch({ records: [{ value: Buffer.from(value), timestamp: NOW }], producerId, producerEpoch: 0, baseSequence });

const snapshots = (fs: MemoryFileSystem): string[] => fs.list(DIR).filter((name) => name.endsWith('.snapshot')).sort();

/**
 * Producer 8 sends one batch (offset 0), producer 7 the nine after it; the
 * flusher then syncs the rolled segments, so the recovery point is the
 * active segment's base (8), as the checkpoint would say after a kill -9.
 */
function produceTen(fs: MemoryFileSystem) {
  const { log, leader } = openLeader(fs);
  expect(leader.appendSync(batch(8n, 0, 'p8'), NOW, 1)!.baseOffset).toBe(0n);
  for (let i = 0; i < 9; i++) expect(leader.appendSync(batch(7n, i, `p7-${i}`), NOW, 1)!.baseOffset).toBe(BigInt(i + 1));
  leader.housekeeping(NOW);
  expect(log.segmentBaseOffsets).toEqual([0n, 2n, 4n, 6n, 8n]);
  expect(log.recoveryPoint).toBe(8n);
  return { log, leader };
}

describe('producer snapshots at segment roll', () => {
  it('are written at each new segment base with the producers before it', () => {
    const fs = new MemoryFileSystem();
    produceTen(fs);
    expect(snapshots(fs)).toEqual([2n, 4n, 6n, 8n].map(snapshotFileName));
    // At 8: producer 7's last batch is offset 7 (sequence 6), producer 8's offset 0.
    const entries = decodeProducerSnapshot(fs.contents(`${DIR}/${snapshotFileName(8n)}`));
    expect(entries.map((e) => [e.producerId, e.lastSequence, e.lastOffset]).sort()).toEqual([
      [7n, 6, 7n],
      [8n, 0, 0n],
    ]);
  });

  it('after a kill -9, the open loads the snapshot at the recovery point, replays only the two batches after it, and a retry from before the crash is a duplicate', () => {
    const fs = new MemoryFileSystem();
    produceTen(fs);
    fs.crashProcess();

    const { log, leader } = openLeader(fs, 8n);
    expect(leader.producerStateReplay).toEqual({ fromOffset: 8n, batches: 2, snapshotOffset: 8n });
    // Producer 8's only batch lies in the first segment, beyond a two-segment replay: the snapshot remembered it.
    expect(leader.appendSync(batch(8n, 0, 'p8'), NOW, 1)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n, lastOffset: 0n, recordCount: 0 });
    expect(leader.appendSync(batch(7n, 8, 'p7-8'), NOW, 1)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 9n, recordCount: 0 });
    expect(leader.appendSync(batch(7n, 10, 'gap'), NOW, 1)!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.logEndOffset).toBe(10n);
    expect(leader.appendSync(batch(8n, 1, 'p8-next'), NOW, 1)!.baseOffset).toBe(10n);
  });

  it('after a kill -9, snapshots past the recovery point are removed unread (their segments are recovered again)', () => {
    const fs = new MemoryFileSystem();
    produceTen(fs);
    fs.crashProcess();

    const { leader } = openLeader(fs, 5n);
    // Recovery re-reads the segments from 4: the snapshots at 6 and 8 go, the one at 4 is loaded.
    expect(snapshots(fs)).toEqual([2n, 4n].map(snapshotFileName));
    expect(leader.producerStateReplay).toEqual({ fromOffset: 4n, batches: 6, snapshotOffset: 4n });
    expect(leader.appendSync(batch(8n, 0, 'p8'), NOW, 1)).toMatchObject({ baseOffset: 0n, recordCount: 0 });
  });

  it('a corrupt snapshot is ignored and removed: the open falls back to the one before it', () => {
    const fs = new MemoryFileSystem();
    produceTen(fs);
    const file = fs.open(`${DIR}/${snapshotFileName(8n)}`);
    file.write(Buffer.from([0xff]), 0, 1, 20);
    file.close();
    fs.crashProcess();

    const { leader } = openLeader(fs, 8n);
    expect(snapshots(fs)).toEqual([2n, 4n, 6n].map(snapshotFileName));
    expect(leader.producerStateReplay).toEqual({ fromOffset: 6n, batches: 4, snapshotOffset: 6n });
    expect(leader.appendSync(batch(8n, 0, 'p8'), NOW, 1)).toMatchObject({ baseOffset: 0n, recordCount: 0 });
  });

  it('after a power loss the snapshots housekeeping synced survive; one written since is empty, so removed', () => {
    const fs = new MemoryFileSystem();
    const { leader } = produceTen(fs);
    // Rolls at 10: its snapshot, and segment 8's tail, are not synced yet.
    expect(leader.appendSync(batch(7n, 9, 'p7-9'), NOW, 1)!.baseOffset).toBe(10n);
    fs.crash();

    const reopened = openLeader(fs, 8n);
    // Segment 8 lost its unsynced batches, so recovery cut the log at 8 (segment 10 went with it).
    expect(reopened.log.logEndOffset).toBe(8n);
    expect(snapshots(fs)).toEqual([2n, 4n, 6n, 8n].map(snapshotFileName));
    expect(reopened.leader.producerStateReplay).toEqual({ fromOffset: 8n, batches: 0, snapshotOffset: 8n });
    expect(reopened.leader.appendSync(batch(8n, 0, 'p8'), NOW, 1)).toMatchObject({ baseOffset: 0n, recordCount: 0 });
    expect(reopened.leader.appendSync(batch(7n, 6, 'p7-6'), NOW, 1)).toMatchObject({ baseOffset: 7n, recordCount: 0 });
  });

  it('a roll snapshot not yet synced is empty after a power loss: removed, and the open falls back to the last two segments', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs);
    for (let i = 0; i < 6; i++) leader.appendSync(batch(7n, i, `p7-${i}`), NOW, 1);
    log.flush();
    fs.crash();

    const reopened = openLeader(fs, 6n);
    expect(snapshots(fs)).toEqual([]);
    expect(reopened.leader.producerStateReplay).toEqual({ fromOffset: 2n, batches: 4, snapshotOffset: null });
    expect(reopened.leader.appendSync(batch(7n, 5, 'p7-5'), NOW, 1)).toMatchObject({ baseOffset: 5n, recordCount: 0 });
  });

  it('truncation removes the snapshots past the new end and reloads the producers from the one left', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = produceTen(fs);
    leader.truncateTo(5n);
    expect(log.logEndOffset).toBe(5n);
    expect(snapshots(fs)).toEqual([2n, 4n].map(snapshotFileName));
    // Producer 7's batches at 5.. are gone: its sequence 4 (offset 5) is new again, sequence 3 (offset 4) a duplicate.
    expect(leader.appendSync(batch(7n, 3, 'p7-3'), NOW, 1)).toMatchObject({ baseOffset: 4n, recordCount: 0 });
    expect(leader.appendSync(batch(7n, 4, 'p7-4'), NOW, 1)).toMatchObject({ baseOffset: 5n, recordCount: 1 });
  });

  it('DeleteRecords and retention remove the snapshots of the segments they delete', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = produceTen(fs);
    expect(leader.deleteRecordsBefore(5n).errorCode).toBe(ErrorCode.NONE);
    expect(log.segmentBaseOffsets[0]).toBe(4n);
    expect(snapshots(fs)).toEqual([4n, 6n, 8n].map(snapshotFileName));

    // Retention by size down to the active segment.
    log.updateConfig({ ...config, retentionBytes: 1 });
    expect(leader.housekeeping(NOW).segmentsDeleted).toBe(2);
    expect(log.segmentBaseOffsets).toEqual([8n]);
    expect(snapshots(fs)).toEqual([snapshotFileName(8n)]);
  });

  it('the open removes stray snapshots (no segment starts there) but keeps the newest past the last segment', () => {
    const fs = new MemoryFileSystem();
    const { log } = produceTen(fs);
    log.close();
    for (const offset of [3n, 9n, 10n]) writeProducerSnapshot(fs, DIR, { offset, entries: [] }, { durable: true });

    const { leader } = openLeader(fs);
    expect(snapshots(fs)).toEqual([2n, 4n, 6n, 8n, 10n].map(snapshotFileName));
    expect(leader.producerStateReplay).toEqual({ fromOffset: 10n, batches: 0, snapshotOffset: 10n });
  });
});
