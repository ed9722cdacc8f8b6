import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchViews } from '../protocol/record-batch-header.js';
import { iterateRecords } from '../protocol/records/record-iterator.js';
import { LogCleaner } from './log-cleaner.js';
import { LogError } from './log-error.js';
import { keyedBatch, memoryLog, type LogHarness } from './testdata/log-fixtures.js';

/** The model: every batch the log should hold, as the bytes a read must return. */
interface ModelBatch {
  base: bigint;
  last: bigint;
  bytes: Buffer;
}
interface Model {
  batches: ModelBatch[];
  logStart: bigint;
  logEnd: bigint;
  nextValue: number;
}

type Cmd = fc.AsyncCommand<Model, LogHarness>;
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];

function parseBatches(records: Buffer): ModelBatch[] {
  return [...batchViews(records)].map((v) => ({ base: v.baseOffset, last: v.lastOffset, bytes: Buffer.from(v.bytes()) }));
}

function readAll(h: LogHarness): ModelBatch[] {
  const out: ModelBatch[] = [];
  let offset = h.log.logStartOffset;
  while (offset < h.log.logEndOffset) {
    const records = h.log.read(offset, 1 << 16).records;
    if (records.length === 0) break;
    const batches = parseBatches(records);
    out.push(...batches);
    offset = batches.at(-1)!.last + 1n;
  }
  return out;
}

/** Every batch in the segment files, below logStartOffset too (compaction rewrites those as well). */
function physicalBatches(h: LogHarness): ModelBatch[] {
  return h.log.segmentBaseOffsets.flatMap((base) => parseBatches(h.fs.contents(`/data/events-0/${base.toString().padStart(20, '0')}.log`)));
}

class Append implements Cmd {
  constructor(readonly records: { key: number; tombstone: boolean }[], readonly epoch: number) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    const t = h.clock.nowMs();
    const bytes = keyedBatch(this.records.map((r) => ({ key: KEYS[r.key]!, value: r.tombstone ? null : `v${m.nextValue++}`, timestampMs: t })));
    const info = h.log.append(bytes, this.epoch);
    // Offsets are assigned from the log end: never reused, never skipped.
    expect(info.firstOffset).toBe(m.logEnd);
    m.batches.push({ base: info.firstOffset, last: info.lastOffset, bytes: Buffer.from(bytes) });
    m.logEnd = info.lastOffset + 1n;
    expect(h.log.logEndOffset).toBe(m.logEnd);
  }
  toString = () => `append(${this.records.length})`;
}

class Read implements Cmd {
  constructor(readonly pick: number, readonly maxBytes: number) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    const span = Number(m.logEnd - m.logStart) + 3;
    const offset = m.logStart - 1n + BigInt(this.pick % span);
    if (offset < h.log.logStartOffset || offset > m.logEnd) {
      expect(() => h.log.read(offset, this.maxBytes)).toThrow(LogError);
      return;
    }
    const got = h.log.read(offset, this.maxBytes).records;
    const expected = m.batches.filter((b) => b.last >= offset);
    if (expected.length === 0) {
      expect(got.length).toBe(0);
      return;
    }
    const gotBatches = parseBatches(got);
    // A non-empty prefix of the expected batches, byte for byte.
    expect(gotBatches.length).toBeGreaterThan(0);
    gotBatches.forEach((b, i) => expect(b.bytes.equals(expected[i]!.bytes)).toBe(true));
    if (gotBatches.length > 1) expect(got.length).toBeLessThanOrEqual(this.maxBytes);
    // Stopping early is only allowed at a segment boundary (reads stay in one segment).
    const next = expected[gotBatches.length];
    if (next !== undefined && got.length + next.bytes.length <= this.maxBytes) {
      const last = gotBatches.at(-1)!.last;
      expect(h.log.segmentBaseOffsets.some((base) => base > last && base <= next.base)).toBe(true);
    }
  }
  toString = () => `read(${this.pick}, ${this.maxBytes})`;
}

class Roll implements Cmd {
  check = () => true;
  async run(_m: Model, h: LogHarness): Promise<void> {
    h.log.roll();
  }
  toString = () => 'roll';
}

class Truncate implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    const offset = m.logStart + BigInt(this.pick % (Number(m.logEnd - m.logStart) + 1));
    h.log.truncateTo(offset);
    if (offset < m.logEnd) {
      m.batches = m.batches.filter((b) => b.last < offset);
      const end = h.log.logEndOffset;
      // The end falls back to where the remaining data ends.
      expect(end).toBeLessThanOrEqual(offset);
      expect(end).toBeGreaterThanOrEqual(m.batches.length === 0 ? 0n : m.batches.at(-1)!.last + 1n);
      m.logEnd = end;
      if (m.logStart > end) m.logStart = end;
    }
    expect(h.log.logEndOffset).toBe(m.logEnd);
  }
  toString = () => `truncate(${this.pick})`;
}

class DeleteRecords implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    const offset = m.logStart + BigInt(this.pick % (Number(m.logEnd - m.logStart) + 1));
    h.log.deleteRecordsBefore(offset);
    if (offset > m.logStart) m.logStart = offset;
    expect(h.log.logStartOffset).toBe(m.logStart);
  }
  toString = () => `deleteRecords(${this.pick})`;
}

class Retention implements Cmd {
  constructor(readonly advanceMs: number) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    h.clock.advance(this.advanceMs);
    const before = h.log.segmentBaseOffsets;
    h.log.deleteOldSegments();
    const start = h.log.logStartOffset;
    expect(start).toBeGreaterThanOrEqual(m.logStart);
    // Only whole segments go: the new start is the first remaining segment (or unchanged).
    if (start > m.logStart) expect(before).toContain(start);
    m.logStart = start;
  }
  toString = () => `retention(+${this.advanceMs}ms)`;
}

class Compact implements Cmd {
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    const activeBase = h.log.segmentBaseOffsets.at(-1)!;
    const before = new Map<bigint, string>();
    for (const b of m.batches) for (const v of batchViews(b.bytes)) for (const r of iterateRecords(v)) before.set(r.offset, `${r.key}=${r.value}`);
    await new LogCleaner({ fs: h.fs, clock: h.clock, yieldToAppends: () => Promise.resolve() }).clean(h.log);
    const after = readAll(h);
    const seen = new Set<string>();
    for (const b of after) {
      for (const v of batchViews(b.bytes)) {
        expect(v.isCrcValid()).toBe(true);
        for (const r of iterateRecords(v)) {
          // Same record at the same offset as before.
          expect(`${r.key}=${r.value}`).toBe(before.get(r.offset));
          if (r.offset < activeBase && r.offset >= m.logStart) {
            const key = r.key!.toString();
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
        }
      }
    }
    expect(after.filter((b) => b.base >= activeBase)).toEqual(m.batches.filter((b) => b.base >= activeBase && b.last >= m.logStart));
    expect(physicalBatches(h).filter((b) => b.last >= m.logStart)).toEqual(after);
    m.batches = physicalBatches(h);
    expect(h.log.logEndOffset).toBe(m.logEnd);
  }
  toString = () => 'compact';
}

class CrashAndRecover implements Cmd {
  constructor(readonly flushFirst: boolean, readonly keptBytes: number, readonly withRecoveryPoint: boolean, readonly powerLoss: boolean) {}
  check = () => true;
  async run(m: Model, h: LogHarness): Promise<void> {
    if (this.flushFirst) h.log.flush();
    const durable = h.log.recoveryPoint;
    if (this.powerLoss) h.fs.crash(() => this.keptBytes);
    else h.fs.crashProcess();
    h.reopen(this.withRecoveryPoint ? { recoveryPoint: durable } : {});
    const end = h.log.logEndOffset;
    // Everything flushed survives; what survives is exactly a prefix of what was written.
    expect(end).toBeGreaterThanOrEqual(durable);
    expect(end).toBeLessThanOrEqual(m.logEnd);
    m.batches = m.batches.filter((b) => b.last < end);
    if (m.batches.length > 0 && end > m.batches.at(-1)!.last + 1n) throw new Error(`recovered end ${end} beyond the last surviving batch`);
    m.logEnd = end;
    expect(h.log.logStartOffset).toBeLessThanOrEqual(m.logStart > end ? end : m.logStart);
    m.logStart = h.log.logStartOffset;
    expect(readAll(h)).toEqual(m.batches.filter((b) => b.last >= m.logStart));
  }
  toString = () => `crash(${this.powerLoss ? `power, kept=${this.keptBytes}` : 'process'}, flush=${this.flushFirst}, rp=${this.withRecoveryPoint})`;
}

const commands = [
  fc.tuple(fc.array(fc.record({ key: fc.nat(4), tombstone: fc.boolean() }), { minLength: 1, maxLength: 5 }), fc.nat(3)).map(([r, e]) => new Append(r, e)),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 600 })).map(([p, b]) => new Read(p, b)),
  fc.constant(new Roll()),
  fc.nat().map((p) => new Truncate(p)),
  fc.nat().map((p) => new DeleteRecords(p)),
  fc.integer({ min: 0, max: 120_000 }).map((ms) => new Retention(ms)),
  fc.constant(new Compact()),
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 }), fc.boolean(), fc.boolean()).map(([f, k, r, p]) => new CrashAndRecover(f, k, r, p)),
];

describe('PartitionLog against a model', () => {
  it('returns exactly what the model says through appends, reads, rolls, truncation, deletion, retention, compaction and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (cmds) => {
        const setup = () => ({
          model: { batches: [], logStart: 0n, logEnd: 0n, nextValue: 0 } as Model,
          real: memoryLog({ segmentBytes: 400, indexIntervalBytes: 100, retentionMs: 60_000, retentionBytes: 1200, cleanupPolicy: { delete: true, compact: true } }),
        });
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: 500 },
    );
  });
});
