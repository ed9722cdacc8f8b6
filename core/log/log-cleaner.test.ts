import { describe, expect, it } from 'vitest';
import { Compression, batchViews } from '../protocol/record-batch-header.js';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { LogCleaner } from './log-cleaner.js';
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
