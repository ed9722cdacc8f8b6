import { describe, expect, it } from 'vitest';
import { LogError } from './log-error.js';
import { PartitionLog } from './partition-log.js';
import { batchOf, batchRanges, memoryLog } from './testdata/log-fixtures.js';

const isLog = (path: string): boolean => path.endsWith('.log');

describe('PartitionLog recovery', () => {
  it('keeps every batch fully written before a crash and nothing after, whatever byte the disk stopped at', () => {
    const flushed = [batchOf(2), batchOf(3, { valueBytes: 20 })];
    const unflushed = [batchOf(1, { valueBytes: 30 }), batchOf(4), batchOf(2, { valueBytes: 5 })];
    const tailBytes = unflushed.reduce((n, b) => n + b.length, 0);
    for (let kept = 0; kept <= tailBytes; kept++) {
      const h = memoryLog();
      for (const batch of flushed) h.log.append(Buffer.from(batch), 0);
      h.log.flush();
      const durable = h.log.read(0n, 1 << 20).records;
      const appended = unflushed.map((batch) => {
        h.log.append(Buffer.from(batch), 0);
        return h.log.read(h.log.logEndOffset - 1n, 1 << 20).records;
      });
      h.fs.crash((path) => (isLog(path) ? kept : 0));
      const log = h.reopen();
      let expected = durable;
      let room = kept;
      for (const batch of appended) {
        if (batch.length > room) break;
        expected = Buffer.concat([expected, batch]);
        room -= batch.length;
      }
      const got = log.read(0n, 1 << 20).records;
      if (!got.equals(expected)) throw new Error(`kept ${kept} unflushed bytes: recovered ${got.length} bytes, expected ${expected.length}`);
      expect(log.recoveryReport.bytesTruncated).toBe(kept - (expected.length - durable.length));
      // Offsets continue after what survived: nothing lost is visible, nothing surviving is reused.
      expect(log.append(batchOf(1), 1).firstOffset).toBe(batchRanges(expected).at(-1)![1] + 1n);
    }
  });

  it('ends the log where a rolled segment lost its unsynced tail, even when the next segment survived', () => {
    const h = memoryLog({ segmentBytes: 200 });
    h.log.append(batchOf(1, { valueBytes: 100 }), 0);
    h.log.flush();
    h.log.append(batchOf(1, { valueBytes: 100 }), 0); // rolls: segment 0 now holds offsets 0..0
    h.log.append(batchOf(2, { valueBytes: 30 }), 0); // rolls again: segment 1 holds 1..1, active 2..3
    expect(h.log.segmentBaseOffsets).toEqual([0n, 1n, 2n]);
    // Power loss: segment 1 (rolled, not yet synced by the flusher) loses everything, the active one keeps it all.
    h.fs.crash((path) => (path.endsWith('00000000000000000001.log') ? 0 : Number.MAX_SAFE_INTEGER));
    const log = h.reopen();
    expect(log.logEndOffset).toBe(1n);
    expect(log.segmentBaseOffsets).toEqual([0n, 1n]);
    expect(batchRanges(log.read(0n, 1 << 20).records)).toEqual([[0n, 0n]]);
    expect(log.recoveryReport.problem).toMatch(/ends at offset 1, before the next segment's base 2/);
    expect(log.append(batchOf(1), 1).firstOffset).toBe(1n);
  });

  it('fails the log on a torn write and recovers the bytes before it after a restart', () => {
    const h = memoryLog();
    h.log.append(batchOf(3), 0);
    const batch = batchOf(5, { valueBytes: 10 });
    h.fs.tearNextWrite({ matches: isLog, bytesWritten: 40 });
    expect(() => h.log.append(batch, 0)).toThrow(LogError);
    expect(() => h.log.read(0n, 100)).toThrow(/KAFKA_STORAGE_ERROR/);
    h.fs.crash(() => Number.MAX_SAFE_INTEGER);
    const log = h.reopen();
    expect(log.logEndOffset).toBe(3n);
    expect(log.recoveryReport.bytesTruncated).toBe(40);
    expect(log.recoveryReport.problem).toMatch(/truncated batch header/);
  });

  it('turns a read error into KAFKA_STORAGE_ERROR', () => {
    const h = memoryLog();
    h.log.append(batchOf(3), 0);
    h.fs.failReads(isLog);
    expect(() => h.log.read(0n, 100)).toThrow(/KAFKA_STORAGE_ERROR/);
  });

  it('skips the scan after a clean shutdown and after a crash recovers only from the recovery point', () => {
    const h = memoryLog({ segmentBytes: 300 });
    for (let i = 0; i < 10; i++) h.log.append(batchOf(2, { valueBytes: 40 }), 0);
    const before = h.log.read(0n, 1 << 20).records;
    const segments = h.log.segmentBaseOffsets.length;
    expect(segments).toBeGreaterThan(3);
    h.log.close();
    const clean = h.reopen();
    expect(clean.recoveryReport).toMatchObject({ hadCleanShutdown: true, segmentsRecovered: 0 });
    expect(clean.read(0n, 1 << 20).records.equals(before)).toBe(true);
    clean.append(batchOf(1), 0);
    const recoveryPoint = clean.recoveryPoint;
    h.fs.crash(() => Number.MAX_SAFE_INTEGER);
    const crashed = h.reopen({ recoveryPoint });
    expect(crashed.recoveryReport).toMatchObject({ hadCleanShutdown: false, segmentsRecovered: 1, problem: null });
    expect(crashed.logEndOffset).toBe(21n);
    const unknownPoint = h.reopen();
    expect(unknownPoint.recoveryReport.segmentsRecovered).toBe(segments);
  });

  it('truncates at a corrupted batch in an older segment and deletes the segments after it', () => {
    const h = memoryLog({ segmentBytes: 400 });
    for (let i = 0; i < 10; i++) h.log.append(batchOf(2, { valueBytes: 40 }), 0);
    const second = h.log.segmentBaseOffsets[1]!;
    const path = `/data/events-0/${second.toString().padStart(20, '0')}.log`;
    const secondBatchEnd = batchOf(2, { valueBytes: 40 }).length;
    h.fs.crash(() => Number.MAX_SAFE_INTEGER);
    const file = h.fs.open(path);
    const flipped = Buffer.alloc(1);
    file.read(flipped, 0, 1, secondBatchEnd + 70);
    flipped[0]! ^= 0x55;
    file.write(flipped, 0, 1, secondBatchEnd + 70);
    file.sync();
    const log = h.reopen();
    expect(log.recoveryReport.problem).toMatch(/CRC mismatch/);
    expect(log.logEndOffset).toBe(second + 2n);
    expect(log.segmentBaseOffsets.at(-1)).toBe(second);
    expect(h.fs.list('/data/events-0').filter((n) => n.endsWith('.log')).length).toBe(log.segmentBaseOffsets.length);
  });

  it('rebuilds a deleted .index and a truncated .timeindex', () => {
    const h = memoryLog({ indexIntervalBytes: 100 });
    for (let i = 0; i < 50; i++) h.log.append(batchOf(2, { valueBytes: 40, timestampMs: 1000 + i * 10 }), 0);
    h.log.close();
    const index = h.fs.contents('/data/events-0/00000000000000000000.index');
    const timeIndex = h.fs.contents('/data/events-0/00000000000000000000.timeindex');
    expect(index.length).toBeGreaterThan(8 * 10);
    h.fs.unlink('/data/events-0/00000000000000000000.index');
    const file = h.fs.open('/data/events-0/00000000000000000000.timeindex');
    file.truncate(timeIndex.length - 5);
    file.close();
    const log = h.reopen();
    expect(log.recoveryReport.segmentsRecovered).toBe(1);
    for (let o = 0n; o < 100n; o++) expect(batchRanges(log.read(o, 1).records)[0]![0]).toBe(o - (o % 2n));
    log.close();
    expect(h.fs.contents('/data/events-0/00000000000000000000.index').equals(index)).toBe(true);
    expect(h.fs.contents('/data/events-0/00000000000000000000.timeindex').equals(timeIndex)).toBe(true);
  });

  it('completes an interrupted compaction swap and drops an unfinished cleaned file', () => {
    const h = memoryLog({ segmentBytes: 200 });
    for (let i = 0; i < 4; i++) h.log.append(batchOf(1, { valueBytes: 60 }), 0);
    const firstSegment = h.fs.contents('/data/events-0/00000000000000000000.log');
    const replacement = h.log.read(1n, 1).records; // a valid batch with offset 1 stands in for a cleaned segment
    h.log.close();
    const swap = h.fs.open('/data/events-0/00000000000000000000.log.swap', { create: true });
    swap.write(replacement, 0, replacement.length, 0);
    swap.close();
    h.fs.open('/data/events-0/00000000000000000001.log.cleaned', { create: true }).close();
    const log = h.reopen();
    expect(h.fs.contents('/data/events-0/00000000000000000000.log').equals(firstSegment)).toBe(false);
    expect(batchRanges(log.read(0n, 1).records)).toEqual([[1n, 1n]]);
    expect(h.fs.list('/data/events-0').some((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toBe(false);
  });

  it('reopens an empty partition directory as an empty log at the checkpointed start offset', () => {
    const h = memoryLog();
    h.log.close();
    const log = PartitionLog.open({ ...h.options, partition: 3, logStartOffset: 42n });
    expect([log.logStartOffset, log.logEndOffset]).toEqual([42n, 42n]);
    expect(log.append(batchOf(1), 0).firstOffset).toBe(42n);
  });
});
