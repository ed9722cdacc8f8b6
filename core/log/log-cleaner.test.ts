import { describe, expect, it } from 'vitest';
import { Compression, batchViews, type RecordBatchView } from '../protocol/record-batch-header.js';
import { buildRecordBatch, buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { LogCleaner, dirtySection } from './log-cleaner.js';
import type { PartitionLog } from './partition-log.js';
import { keyedBatch, memoryLog } from './testdata/log-fixtures.js';

async function contents(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const records = log.read(offset, 1 << 20).records;
    if (records.length === 0) break;
    for (const view of batchViews(records)) {
      expect(view.isCrcValid()).toBe(true);
      for (const r of await batchRecords(view)) if (r.offset >= offset) out.push(`${r.offset}:${r.key?.toString() ?? '-'}=${r.value?.toString() ?? 'null'}`);
      offset = view.lastOffset + 1n;
    }
  }
  return out;
}

const immediate = { yieldToAppends: () => Promise.resolve() };

describe('LogCleaner', () => {
  it('keeps the latest record per key outside the active segment, with offsets unchanged', async () => {
    const h = memoryLog({ segmentBytes: 250, cleanupPolicy: { delete: false, compact: true } });
    const t = h.clock.nowMs();
    const writes: [string, string][] = [['a', '1'], ['b', '1'], ['a', '2'], ['c', '1'], ['b', '2'], ['a', '3'], ['d', '1'], ['c', '2'], ['a', '4']];
    for (const [key, value] of writes) h.log.append(keyedBatch([{ key, value, timestampMs: t }, { key: `${key}x`, value, timestampMs: t }]), 0);
    const activeBase = h.log.segmentBaseOffsets.at(-1)!;
    expect(h.log.segmentBaseOffsets.length).toBeGreaterThanOrEqual(3);
    const before = await contents(h.log);
    const stats = await new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate }).clean(h.log);
    expect(stats.segmentsCleaned).toBeGreaterThan(0);
    const after = await contents(h.log);
    // Every surviving record is an original one at its original offset.
    for (const line of after) expect(before).toContain(line);
    const parse = (line: string) => ({ offset: BigInt(line.split(':')[0]!), key: line.split(':')[1]!.split('=')[0]! });
    const cleaned = after.map(parse).filter((r) => r.offset < activeBase);
    // At most one record per key in the cleaned part, and it is the latest there.
    const keys = cleaned.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of cleaned) {
      const latest = before.map(parse).filter((b) => b.key === r.key && b.offset < activeBase).at(-1)!;
      expect(r.offset).toBe(latest.offset);
    }
    // Every key's latest value overall is still readable.
    for (const key of new Set(before.map((l) => parse(l).key))) {
      expect(after.filter((l) => parse(l).key === key).at(-1)).toBe(before.filter((l) => parse(l).key === key).at(-1));
    }
    expect(after.filter((l) => parse(l).offset >= activeBase)).toEqual(before.filter((l) => parse(l).offset >= activeBase));
    expect(h.log.logEndOffset).toBe(18n);
    // The compacted log survives a restart.
    h.log.close();
    expect(await contents(h.reopen())).toEqual(after);
  });

  it('drops tombstones only after delete.retention.ms', async () => {
    const h = memoryLog({ segmentBytes: 120, deleteRetentionMs: 60_000, cleanupPolicy: { delete: false, compact: true } });
    const t = h.clock.nowMs();
    h.log.append(keyedBatch([{ key: 'k', value: 'v', timestampMs: t }]), 0);
    h.log.append(keyedBatch([{ key: 'k', value: null, timestampMs: t }]), 0);
    h.log.roll();
    h.log.append(keyedBatch([{ key: 'other', value: 'x', timestampMs: t }]), 0);
    const cleaner = new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate });
    await cleaner.clean(h.log);
    expect(await contents(h.log)).toEqual(['1:k=null', '2:other=x']);
    h.clock.advance(60_001);
    await cleaner.clean(h.log);
    expect(await contents(h.log)).toEqual(['2:other=x']);
  });

  describe('KIP-534 delete horizon', () => {
    const RETENTION_MS = 60_000;
    const compacted = { segmentBytes: 120, deleteRetentionMs: RETENTION_MS, cleanupPolicy: { delete: false, compact: true } };

    /** Every batch of the log, across segments. */
    function batches(log: PartitionLog): RecordBatchView[] {
      const out: RecordBatchView[] = [];
      for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
        const views = [...batchViews(log.read(offset, 1 << 20).records)];
        if (views.length === 0) break;
        out.push(...views);
        offset = views.at(-1)!.lastOffset + 1n;
      }
      return out;
    }

    /** The batches holding records, as [baseOffset, deleteHorizonMs, record timestamps]. */
    async function horizons(log: PartitionLog): Promise<[bigint, bigint | null, bigint[]][]> {
      const out: [bigint, bigint | null, bigint[]][] = [];
      for (const view of batches(log)) if (view.recordsCount > 0) out.push([view.baseOffset, view.deleteHorizonMs, [...(await batchRecords(view))].map((r) => r.timestamp)]);
      return out;
    }

    it('keeps a tombstone for delete.retention.ms from when the cleaner first sees it, however old its timestamp', async () => {
      const h = memoryLog(compacted);
      const old = h.clock.nowMs() - 10 * RETENTION_MS;
      h.log.append(keyedBatch([{ key: 'k', value: 'v', timestampMs: old }]), 0);
      h.log.append(keyedBatch([{ key: 'k', value: null, timestampMs: old }]), 0);
      h.log.roll();
      h.log.append(keyedBatch([{ key: 'other', value: 'x', timestampMs: old }]), 0);
      const cleaner = new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate });
      const firstSeen = BigInt(h.clock.nowMs());
      await cleaner.clean(h.log);
      // The superseded value goes; the delete stays, its batch stamped with the horizon and its record's timestamp unchanged.
      expect(await contents(h.log)).toEqual(['1:k=null', '2:other=x']);
      expect(await horizons(h.log)).toEqual([[1n, firstSeen + BigInt(RETENTION_MS), [BigInt(old)]], [2n, null, [BigInt(old)]]]);
      expect(h.log.latestDeleteHorizonMs).toBe(firstSeen + BigInt(RETENTION_MS));

      // A later round within the window keeps it and does not move the horizon.
      h.clock.advance(RETENTION_MS - 1);
      expect(dirtySection(h.log, 2n, h.log.logEndOffset, h.clock.nowMs()).due).toBe(false);
      await cleaner.clean(h.log, h.log.logEndOffset, 2n);
      expect(await contents(h.log)).toEqual(['1:k=null', '2:other=x']);
      expect((await horizons(h.log))[0]![1]).toBe(firstSeen + BigInt(RETENTION_MS));

      // Once the horizon passes, the quiet log is due again (no new records) and the delete goes.
      h.clock.advance(1);
      expect(dirtySection(h.log, 2n, h.log.logEndOffset, h.clock.nowMs()).due).toBe(true);
      await cleaner.clean(h.log, h.log.logEndOffset, 2n);
      expect(await contents(h.log)).toEqual(['2:other=x']);
      expect(h.log.latestDeleteHorizonMs).toBeNull();
      h.log.close();
      expect(await contents(h.reopen())).toEqual(['2:other=x']);
    });

    it('keeps the horizon in the batch across a restart, so a reopened log does not restart the window', async () => {
      const h = memoryLog(compacted);
      const t = h.clock.nowMs();
      h.log.append(keyedBatch([{ key: 'k', value: null, timestampMs: t }]), 0);
      h.log.roll();
      h.log.append(keyedBatch([{ key: 'other', value: 'x', timestampMs: t }]), 0);
      await new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate }).clean(h.log);
      h.log.close();
      const reopened = h.reopen();
      h.clock.advance(RETENTION_MS);
      await new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate }).clean(reopened);
      expect(await contents(reopened)).toEqual(['1:other=x']);
    });

    it('stamps a transaction marker with a horizon and keeps it', async () => {
      const h = memoryLog(compacted);
      const t = h.clock.nowMs();
      const marker = buildUncompressedRecordBatch({
        isControl: true,
        isTransactional: true,
        producerId: 7n,
        producerEpoch: 0,
        records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), timestamp: t }],
      });
      h.log.append(keyedBatch([{ key: 'k', value: 'v', timestampMs: t }]), 0);
      h.log.append(marker, 0);
      h.log.roll();
      h.log.append(keyedBatch([{ key: 'other', value: 'x', timestampMs: t }]), 0);
      const cleaner = new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate });
      await cleaner.clean(h.log);
      const stamped = batches(h.log).find((v) => v.isControl);
      expect(stamped).toMatchObject({ baseOffset: 1n, isControl: true, isTransactional: true, producerId: 7n, deleteHorizonMs: BigInt(t + RETENTION_MS) });
      expect(stamped!.isCrcValid()).toBe(true);
      h.clock.advance(2 * RETENTION_MS);
      // A marker past its horizon does not make a quiet log due: the cleaner could not remove it.
      expect(h.log.latestDeleteHorizonMs).toBeNull();
      expect(dirtySection(h.log, 2n, h.log.logEndOffset, h.clock.nowMs()).due).toBe(false);
      await cleaner.clean(h.log, h.log.logEndOffset, 2n);
      expect(batches(h.log).map((v) => [v.baseOffset, v.isControl, v.recordsCount])).toEqual([[0n, false, 1], [1n, true, 1], [2n, false, 1]]);
    });
  });

  it('rewrites compressed batches with the same codec and keeps the batch offset range', async () => {
    const h = memoryLog({ cleanupPolicy: { delete: true, compact: true } });
    const t = h.clock.nowMs();
    const batch = await buildRecordBatch({
      compression: Compression.lz4,
      records: [
        { key: Buffer.from('a'), value: Buffer.from('old'), timestamp: t },
        { key: Buffer.from('b'), value: Buffer.from('b1'), timestamp: t },
        { key: Buffer.from('a'), value: Buffer.from('new'), timestamp: t },
      ],
    });
    h.log.append(batch, 3);
    h.log.roll();
    await new LogCleaner({ fs: h.fs, clock: h.clock, ...immediate }).clean(h.log);
    const [view] = [...batchViews(h.log.read(0n, 1 << 20).records)];
    expect(view).toMatchObject({ baseOffset: 0n, lastOffsetDelta: 2, compression: Compression.lz4, partitionLeaderEpoch: 3, recordsCount: 2 });
    expect(await contents(h.log)).toEqual(['1:b=b1', '2:a=new']);
  });

  it('lets appends run while it cleans and gives up on a segment truncated away meanwhile', async () => {
    const h = memoryLog({ segmentBytes: 120, cleanupPolicy: { delete: false, compact: true } });
    const t = h.clock.nowMs();
    for (let i = 0; i < 6; i++) h.log.append(keyedBatch([{ key: 'k', value: `${i}`, timestampMs: t }]), 0);
    let appended = 0;
    const cleaner = new LogCleaner({
      fs: h.fs,
      clock: h.clock,
      yieldToAppends: async () => {
        h.log.append(keyedBatch([{ key: 'k', value: `during-${appended++}`, timestampMs: t }]), 0);
        if (appended === 3) h.log.truncateTo(2n);
      },
    });
    await cleaner.clean(h.log);
    const lines = await contents(h.log);
    expect(lines.slice(0, 2)).toEqual(['0:k=0', '1:k=1']);
    expect(h.fs.list('/data/events-0').some((n) => n.endsWith('.cleaned'))).toBe(false);
  });
});
