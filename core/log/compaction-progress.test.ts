import { describe, expect, it } from 'vitest';
import { batchViews } from '../protocol/record-batch-header.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { CompactionProgress } from './compaction-progress.js';
import { LogCleaner, dirtySection } from './log-cleaner.js';
import { defaultLogConfig, logConfigFromProperties, type LogConfig } from './log-config.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { PartitionLog } from './partition-log.js';
import { keyedBatch, ManualClock, testConfig } from './testdata/log-fixtures.js';

/**
 * A compacted partition whose segments hold two one-record batches each, as
 * the partition actor runs it: a log, its compaction progress (seeded from the
 * cleaner-offset-checkpoint entry at open) and a cleaner. `restart` closes the
 * log and opens it again with the offset a checkpoint would have kept.
 */
function compactedPartition(overrides: Partial<LogConfig> = {}, dedupeBufferBytes?: number) {
  const fs = new MemoryFileSystem();
  fs.mkdir('/kafka-logs');
  const clock = new ManualClock();
  const cleaner = new LogCleaner({ fs, clock, yieldToAppends: () => Promise.resolve(), ...(dedupeBufferBytes === undefined ? {} : { dedupeBufferBytes }) });
  const config = testConfig({ segmentBytes: 150, cleanupPolicy: { delete: false, compact: true }, ...overrides });
  const open = (firstDirtyOffset: bigint | undefined) => {
    const progress = new CompactionProgress(firstDirtyOffset);
    const log = PartitionLog.open({ dir: '/kafka-logs', topic: 'state', partition: 0, config, fs, clock, onCheckpointNeeded: (l) => progress.onLogChanged(l) });
    return { log, progress };
  };
  const p = { fs, clock, ...open(undefined) };
  return Object.assign(p, {
    append(keys: string, tag: string) {
      for (const key of keys) p.log.append(keyedBatch([{ key, value: `${key}${tag}`, timestampMs: clock.nowMs() }]), 0);
    },
    round: () => p.progress.cleanRound(cleaner, p.log, p.log.logEndOffset, clock.nowMs()),
    restart() {
      p.log.close();
      Object.assign(p, open(p.progress.firstDirtyOffset));
    },
    segmentFiles(): Map<string, Buffer> {
      const dir = '/kafka-logs/state-0';
      return new Map(fs.list(dir).filter((n) => n.endsWith('.log')).map((n) => [n, Buffer.from(fs.contents(`${dir}/${n}`))]));
    },
  });
}

/** Every record left in the log, as `offset:key=value`. */
async function contents(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const views = [...batchViews(log.read(offset, 1 << 20).records)];
    if (views.length === 0) break;
    for (const view of views) {
      for (const r of await batchRecords(view)) out.push(`${r.offset}:${r.key?.toString()}=${r.value?.toString()}`);
      offset = view.lastOffset + 1n;
    }
  }
  return out;
}

describe('compaction progress (the cleaner-offset-checkpoint entry of a partition)', () => {
  it('records the first dirty offset after a round, and a restarted partition does not clean the clean section again', async () => {
    const p = compactedPartition();
    p.append('abababab', '1');
    expect(p.log.segmentBaseOffsets).toEqual([0n, 2n, 4n, 6n]);
    expect(p.progress.firstDirtyOffset).toBeUndefined();
    const first = await p.round();
    expect(first?.segmentsCleaned).toBe(2);
    // Segments 0-5 were cleaned; the active one (6) is where the dirty section starts.
    expect(p.progress.firstDirtyOffset).toBe(6n);
    expect(await contents(p.log)).toEqual(['4:a=a1', '5:b=b1', '6:a=a1', '7:b=b1']);
    p.restart();
    const files = p.segmentFiles();
    expect(await p.round()).toBeNull();
    expect(p.segmentFiles()).toEqual(files);
    expect(p.progress.firstDirtyOffset).toBe(6n);
    expect(await contents(p.log)).toEqual(['4:a=a1', '5:b=b1', '6:a=a1', '7:b=b1']);
  });

  it('cleans a log only when its dirty share exceeds min.cleanable.dirty.ratio or a dirty record passed max.compaction.lag.ms', async () => {
    const p = compactedPartition();
    p.append('abcdefgh', '1');
    await p.round();
    expect(p.progress.firstDirtyOffset).toBe(6n);
    // Two closed dirty segments (offsets 6-9) against three clean ones: 40% of the bytes is dirty.
    p.append('abc', '2');
    const section = dirtySection(p.log, 6n, p.log.logEndOffset, p.clock.nowMs());
    expect(section.firstDirtyOffset).toBe(6n);
    expect(section.dirtyRatio).toBeCloseTo(0.4, 1);
    expect(section.due).toBe(false);
    expect(await p.round()).toBeNull();
    expect(p.progress.firstDirtyOffset).toBe(6n);

    p.log.updateConfig({ ...p.log.logConfig, maxCompactionLagMs: 60_000 });
    p.clock.advance(60_000);
    expect(await p.round()).toBeNull();
    p.clock.advance(1);
    const overdue = await p.round();
    expect(overdue?.recordsRemoved).toBe(2);
    expect(p.progress.firstDirtyOffset).toBe(10n);

    p.append('de', '2');
    p.log.updateConfig({ ...p.log.logConfig, maxCompactionLagMs: Infinity, minCleanableDirtyRatio: 0.1 });
    expect((await p.round())?.recordsRemoved).toBe(2);
    expect(p.progress.firstDirtyOffset).toBe(12n);
    expect(await contents(p.log)).toEqual(['4:e=e1', '5:f=f1', '6:g=g1', '7:h=h1', '8:a=a2', '9:b=b2', '10:c=c2', '11:d=d2', '12:e=e2']);
  });

  it('cleans a dirty section larger than the key map (log.cleaner.dedupe.buffer.size) over several rounds, across a restart', async () => {
    // 72 bytes: 3 map slots of 24 bytes at load factor 0.9, so two keys per round.
    const p = compactedPartition({ minCleanableDirtyRatio: 0 }, 72);
    p.append('abcdabcdx', '1');
    p.append('abcd', '2');
    p.append('x', '3');
    await p.round();
    // Round one maps a and b (offsets 0-1) and stops before c.
    expect(p.progress.firstDirtyOffset).toBe(2n);
    p.restart();
    p.log.roll();
    await p.round();
    // Round two starts from the checkpointed offset: c and d, as a third key would not fit.
    expect(p.progress.firstDirtyOffset).toBe(4n);
    let rounds = 0;
    while (rounds < 10 && p.progress.firstDirtyOffset !== 14n) {
      await p.round();
      rounds++;
    }
    // 4-6, 6-8, 8-10, 10-12, 12-14.
    expect(rounds).toBe(5);
    expect(await contents(p.log)).toEqual(['9:a=a2', '10:b=b2', '11:c=c2', '12:d=d2', '13:x=x3']);
  });

  it('moves back on a truncation below it, and starts at the log start after DeleteRecords past it', async () => {
    const p = compactedPartition();
    p.append('abababab', '1');
    await p.round();
    expect(p.progress.firstDirtyOffset).toBe(6n);
    // A follower truncated to offset 5 (below the first dirty offset 6) re-appends from there.
    p.log.truncateTo(5n);
    expect(p.progress.firstDirtyOffset).toBe(5n);
    p.append('azbz', '2');
    await p.round();
    expect(p.progress.firstDirtyOffset).toBe(8n);
    // a2 at 5, below the old first dirty offset, is mapped and supersedes a1 at 4.
    expect(await contents(p.log)).toEqual(['5:a=a2', '6:z=z2', '7:b=b2', '8:z=z2']);

    p.log.deleteRecordsBefore(7n);
    expect(dirtySection(p.log, 6n, p.log.logEndOffset, p.clock.nowMs()).firstDirtyOffset).toBe(7n);
  });

  it("reads the cleaner's topic configs with Kafka's defaults and refuses a ratio outside 0..1", () => {
    expect(defaultLogConfig).toMatchObject({ minCleanableDirtyRatio: 0.5, maxCompactionLagMs: Infinity });
    expect(logConfigFromProperties({ 'min.cleanable.dirty.ratio': '0.01', 'max.compaction.lag.ms': '3600000' })).toMatchObject({ minCleanableDirtyRatio: 0.01, maxCompactionLagMs: 3_600_000 });
    expect(logConfigFromProperties({ 'max.compaction.lag.ms': '9223372036854775807' }).maxCompactionLagMs).toBe(Infinity);
    for (const bad of ['1.5', '-0.1', 'half', '']) expect(() => logConfigFromProperties({ 'min.cleanable.dirty.ratio': bad })).toThrow(RangeError);
    expect(() => logConfigFromProperties({ 'max.compaction.lag.ms': '0' })).toThrow(RangeError);
  });
});
