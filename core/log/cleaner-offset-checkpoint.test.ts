import { describe, expect, it } from 'vitest';
import { batchViews } from '../protocol/record-batch-header.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { dirtySection } from './log-cleaner.js';
import { defaultLogConfig, logConfigFromProperties, type LogConfig } from './log-config.js';
import { writeFileAtomically } from './log-file-system.js';
import { LogManager, type LogManagerOptions } from './log-manager.js';
import { MemoryFileSystem } from './memory-file-system.js';
import type { PartitionLog } from './partition-log.js';
import { keyedBatch, ManualClock, testConfig } from './testdata/log-fixtures.js';

const CHECKPOINT = '/kafka-logs/cleaner-offset-checkpoint';

/** A log dir of compacted topics whose segments hold two one-record batches each. */
function compactedDir(overrides: Partial<LogConfig> = {}, options: Partial<LogManagerOptions> = {}) {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock();
  const config = { current: testConfig({ segmentBytes: 150, cleanupPolicy: { delete: false, compact: true }, ...overrides }) };
  const open = () => LogManager.open({ logDir: '/kafka-logs', fs, clock, configFor: () => config.current, yieldToAppends: () => Promise.resolve(), ...options });
  const append = (log: PartitionLog, keys: string, tag: string) => {
    for (const key of keys) log.append(keyedBatch([{ key, value: `${key}${tag}`, timestampMs: clock.nowMs() }]), 0);
  };
  return { fs, clock, config, open, append };
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

function segmentFiles(fs: MemoryFileSystem, log: PartitionLog): Map<string, Buffer> {
  const dir = `/kafka-logs/${log.topic}-${log.partition}`;
  return new Map(fs.list(dir).filter((n) => n.endsWith('.log')).map((n) => [n, Buffer.from(fs.contents(`${dir}/${n}`))]));
}

describe('cleaner-offset-checkpoint', () => {
  it('records the first dirty offset after a round, and a restarted broker does not clean the clean section again', async () => {
    const d = compactedDir();
    const manager = await d.open();
    const state = manager.getOrCreate('state', 0);
    d.append(state, 'abababab', '1');
    expect(state.segmentBaseOffsets).toEqual([0n, 2n, 4n, 6n]);
    expect(d.fs.exists(CHECKPOINT)).toBe(false);
    const first = await manager.runCleaner();
    expect(first.segmentsCleaned).toBe(2);
    // Segments 0-5 were cleaned; the active one (6) is where the dirty section starts.
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 6\n');
    expect(await contents(state)).toEqual(['4:a=a1', '5:b=b1', '6:a=a1', '7:b=b1']);
    manager.close();
    const files = segmentFiles(d.fs, state);

    const reopened = await d.open();
    const again = await reopened.runCleaner();
    expect(again).toEqual({ segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0 });
    expect(segmentFiles(d.fs, reopened.get('state', 0)!)).toEqual(files);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 6\n');
    expect(await contents(reopened.get('state', 0)!)).toEqual(['4:a=a1', '5:b=b1', '6:a=a1', '7:b=b1']);
  });

  it('cleans a log only when its dirty share exceeds min.cleanable.dirty.ratio or a dirty record passed max.compaction.lag.ms', async () => {
    const d = compactedDir();
    const manager = await d.open();
    const state = manager.getOrCreate('state', 0);
    d.append(state, 'abcdefgh', '1');
    await manager.runCleaner();
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 6\n');
    // Two closed dirty segments (offsets 6-9) against three clean ones: 40% of the bytes is dirty.
    d.append(state, 'abc', '2');
    const section = dirtySection(state, 6n, state.logEndOffset, d.clock.nowMs());
    expect(section.firstDirtyOffset).toBe(6n);
    expect(section.dirtyRatio).toBeCloseTo(0.4, 1);
    expect(section.due).toBe(false);
    expect((await manager.runCleaner()).bytesRead).toBe(0);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 6\n');

    d.config.current = { ...d.config.current, maxCompactionLagMs: 60_000 };
    manager.updateConfig('state');
    d.clock.advance(60_000);
    expect((await manager.runCleaner()).bytesRead).toBe(0);
    d.clock.advance(1);
    const overdue = await manager.runCleaner();
    expect(overdue.recordsRemoved).toBe(2);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 10\n');

    d.append(state, 'de', '2');
    d.config.current = { ...d.config.current, maxCompactionLagMs: Infinity, minCleanableDirtyRatio: 0.1 };
    manager.updateConfig('state');
    expect((await manager.runCleaner()).recordsRemoved).toBe(2);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 12\n');
    expect(await contents(state)).toEqual(['4:e=e1', '5:f=f1', '6:g=g1', '7:h=h1', '8:a=a2', '9:b=b2', '10:c=c2', '11:d=d2', '12:e=e2']);
  });

  it('cleans a dirty section larger than the key map (log.cleaner.dedupe.buffer.size) over several rounds, across a restart', async () => {
    // 72 bytes: 3 map slots of 24 bytes at load factor 0.9, so two keys per round.
    const d = compactedDir({ minCleanableDirtyRatio: 0 }, { cleanerDedupeBufferBytes: 72 });
    const manager = await d.open();
    const state = manager.getOrCreate('state', 0);
    d.append(state, 'abcdabcdx', '1');
    d.append(state, 'abcd', '2');
    d.append(state, 'x', '3');
    await manager.runCleaner();
    // Round one maps a and b (offsets 0-1) and stops before c.
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 2\n');
    manager.close();

    const reopened = await d.open();
    const log = reopened.get('state', 0)!;
    log.roll();
    await reopened.runCleaner();
    // Round two starts from the checkpoint: c and d, as a third key would not fit.
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nstate 0 4\n');
    let rounds = 0;
    while (rounds < 10 && d.fs.contents(CHECKPOINT).toString() !== '0\n1\nstate 0 14\n') {
      await reopened.runCleaner();
      rounds++;
    }
    // 4-6, 6-8, 8-10, 10-12, 12-14.
    expect(rounds).toBe(5);
    expect(await contents(log)).toEqual(['9:a=a2', '10:b=b2', '11:c=c2', '12:d=d2', '13:x=x3']);
  });

  it('moves back on a truncation below it, starts at the log start after DeleteRecords past it, and forgets a deleted topic', async () => {
    const d = compactedDir();
    const manager = await d.open();
    const state = manager.getOrCreate('state', 0);
    const other = manager.getOrCreate('other', 1);
    d.append(state, 'abababab', '1');
    d.append(other, 'xyxyxy', '1');
    await manager.runCleaner();
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n2\nstate 0 6\nother 1 4\n');

    // A follower truncated to offset 5 (below the first dirty offset 6) re-appends from there.
    state.truncateTo(5n);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n2\nstate 0 5\nother 1 4\n');
    d.append(state, 'azbz', '2');
    await manager.runCleaner();
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n2\nstate 0 8\nother 1 4\n');
    // a2 at 5, below the old checkpoint, is mapped and supersedes a1 at 4.
    expect(await contents(state)).toEqual(['5:a=a2', '6:z=z2', '7:b=b2', '8:z=z2']);

    other.deleteRecordsBefore(5n);
    expect(dirtySection(other, 4n, other.logEndOffset, d.clock.nowMs()).firstDirtyOffset).toBe(5n);

    expect(manager.delete('state', 0)).toBe(true);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n1\nother 1 4\n');
    manager.close();
    // An entry left for a partition that is gone does not apply when the topic comes back.
    writeFileAtomically(d.fs, '/kafka-logs', 'cleaner-offset-checkpoint', Buffer.from('0\n2\nother 1 4\nghost 0 7\n'));
    const reopened = await d.open();
    expect(reopened.all().map((l) => l.topic)).toEqual(['other']);
    const ghost = reopened.getOrCreate('ghost', 0);
    d.append(ghost, 'ababababab', '1');
    await reopened.runCleaner();
    expect(await contents(ghost)).toEqual(['6:a=a1', '7:b=b1', '8:a=a1', '9:b=b1']);
    expect(d.fs.contents(CHECKPOINT).toString()).toBe('0\n2\nother 1 4\nghost 0 8\n');
  });

  it("reads the cleaner's topic configs with Kafka's defaults and refuses a ratio outside 0..1", () => {
    expect(defaultLogConfig).toMatchObject({ minCleanableDirtyRatio: 0.5, maxCompactionLagMs: Infinity });
    expect(logConfigFromProperties({ 'min.cleanable.dirty.ratio': '0.01', 'max.compaction.lag.ms': '3600000' })).toMatchObject({ minCleanableDirtyRatio: 0.01, maxCompactionLagMs: 3_600_000 });
    expect(logConfigFromProperties({ 'max.compaction.lag.ms': '9223372036854775807' }).maxCompactionLagMs).toBe(Infinity);
    for (const bad of ['1.5', '-0.1', 'half', '']) expect(() => logConfigFromProperties({ 'min.cleanable.dirty.ratio': bad })).toThrow(RangeError);
    expect(() => logConfigFromProperties({ 'max.compaction.lag.ms': '0' })).toThrow(RangeError);
  });
});
