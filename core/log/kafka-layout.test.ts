import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetCheckpointFile } from './checkpoint-file.js';
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, parsePartitionDir } from './log-dir-layout.js';
import { NodeFileSystem } from './node-file-system.js';
import { PartitionLog } from './partition-log.js';
import { batchOf, ManualClock, testConfig } from './testdata/log-fixtures.js';

/*
 * An independent reader of a Kafka partition directory, written from Kafka's
 * documented formats only (no code from core/log): segment files named by a
 * 20-digit base offset; .log = v2 batches (baseOffset int64, batchLength
 * int32, …, lastOffsetDelta int32 at byte 23, maxTimestamp int64 at byte 35);
 * .index = 8-byte entries (relative offset int32, position int32);
 * .timeindex = 12-byte entries (timestamp int64, relative offset int32).
 */
interface KafkaSegment {
  baseOffset: bigint;
  batches: { position: number; baseOffset: bigint; lastOffset: bigint; maxTimestamp: bigint }[];
  index: { relativeOffset: number; position: number }[];
  timeIndex: { timestamp: bigint; relativeOffset: number }[];
}

function readKafkaPartition(dir: string): KafkaSegment[] {
  const names = readdirSync(dir);
  return names
    .filter((n) => /^\d{20}\.log$/.test(n))
    .sort()
    .map((name) => {
      const baseOffset = BigInt(name.slice(0, 20));
      const log = readFileSync(join(dir, name));
      const batches = [];
      for (let p = 0; p < log.length; p += 12 + log.readInt32BE(p + 8)) {
        const base = log.readBigInt64BE(p);
        batches.push({ position: p, baseOffset: base, lastOffset: base + BigInt(log.readInt32BE(p + 23)), maxTimestamp: log.readBigInt64BE(p + 35) });
      }
      const indexBytes = readFileSync(join(dir, `${name.slice(0, 20)}.index`));
      const index = [];
      for (let p = 0; p + 8 <= indexBytes.length; p += 8) {
        const entry = { relativeOffset: indexBytes.readInt32BE(p), position: indexBytes.readInt32BE(p + 4) };
        if (entry.relativeOffset === 0 && entry.position === 0 && p > 0) break; // preallocated zeros end a Kafka index
        index.push(entry);
      }
      const timeBytes = readFileSync(join(dir, `${name.slice(0, 20)}.timeindex`));
      const timeIndex = [];
      for (let p = 0; p + 12 <= timeBytes.length; p += 12) {
        const entry = { timestamp: timeBytes.readBigInt64BE(p), relativeOffset: timeBytes.readInt32BE(p + 8) };
        if (entry.timestamp === 0n) break;
        timeIndex.push(entry);
      }
      return { baseOffset, batches, index, timeIndex };
    });
}

function readCheckpointLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('0');
  expect(Number(lines[1])).toBe(lines.length - 2);
  return lines.slice(2);
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('on-disk layout', () => {
  it('is readable by an independent reader of Kafka’s documented segment, index and checkpoint formats', () => {
    const logDir = mkdtempSync(join(tmpdir(), 'freshet-layout-'));
    dirs.push(logDir);
    const clock = new ManualClock(1_000_000);
    const log = PartitionLog.open({ dir: logDir, topic: 'orders', partition: 2, config: testConfig({ segmentBytes: 4000, indexIntervalBytes: 300 }), fs: new NodeFileSystem(), clock });
    const appended: { first: bigint; last: bigint; maxTimestamp: bigint }[] = [];
    for (let i = 0; i < 60; i++) {
      const info = log.append(batchOf(1 + (i % 4), { valueBytes: 50, timestampMs: 5000 + i * 100 }), i < 30 ? 4 : 5);
      appended.push({ first: info.firstOffset, last: info.lastOffset, maxTimestamp: info.maxTimestamp });
    }
    log.close();

    const partitionDir = join(logDir, 'orders-2');
    const segments = readKafkaPartition(partitionDir);
    expect(segments.length).toBeGreaterThan(2);
    expect(segments.map((s) => s.baseOffset)).toEqual(segments.map((s) => s.batches[0]!.baseOffset));
    expect(segments.flatMap((s) => s.batches.map((b) => [b.baseOffset, b.lastOffset]))).toEqual(appended.map((a) => [a.first, a.last]));
    for (const segment of segments) {
      expect(segment.index.length).toBeGreaterThan(0);
      for (const entry of segment.index) {
        // Kafka's offset index: the batch at `position` ends at baseOffset + relativeOffset.
        const batch = segment.batches.find((b) => b.position === entry.position);
        expect(batch?.lastOffset).toBe(segment.baseOffset + BigInt(entry.relativeOffset));
      }
      // The last time-index entry holds the segment's largest timestamp and the batch that has it.
      const lastTime = segment.timeIndex.at(-1)!;
      const maxTimestamp = segment.batches.reduce((m, b) => (b.maxTimestamp > m ? b.maxTimestamp : m), -1n);
      expect(lastTime.timestamp).toBe(maxTimestamp);
      expect(segment.batches.find((b) => b.maxTimestamp === maxTimestamp)!.lastOffset).toBe(segment.baseOffset + BigInt(lastTime.relativeOffset));
    }
    expect(readCheckpointLines(join(partitionDir, 'leader-epoch-checkpoint'))).toEqual(['4 0', `5 ${appended[30]!.first}`]);
  });

  it('writes recovery-point and log-start-offset checkpoints as "topic partition offset" lines in the log dir', () => {
    const logDir = mkdtempSync(join(tmpdir(), 'freshet-layout-'));
    dirs.push(logDir);
    const fs = new NodeFileSystem();
    const open = (topic: string, partition: number) => PartitionLog.open({ dir: logDir, topic, partition, config: testConfig(), fs, clock: new ManualClock() });
    const orders = open('orders', 0);
    const payments = open('payments.v2', 7);
    orders.append(batchOf(4), 0);
    payments.append(batchOf(2), 0);
    orders.deleteRecordsBefore(3n);
    orders.close();
    payments.close();
    // What the replica manager writes from its partitions' offsets (runtime/replica/log-dir-checkpoints.ts).
    const entries = (offsetOf: (log: PartitionLog) => bigint) => new Map([orders, payments].map((log) => [`${log.topic}-${log.partition}`, { topic: log.topic, partition: log.partition, offset: offsetOf(log) }]));
    new OffsetCheckpointFile(fs, logDir, RECOVERY_POINT_CHECKPOINT).write(entries((log) => log.recoveryPoint));
    new OffsetCheckpointFile(fs, logDir, LOG_START_OFFSET_CHECKPOINT).write(entries((log) => log.logStartOffset));
    expect(readCheckpointLines(join(logDir, 'recovery-point-offset-checkpoint')).sort()).toEqual(['orders 0 4', 'payments.v2 7 2']);
    expect(readCheckpointLines(join(logDir, 'log-start-offset-checkpoint')).sort()).toEqual(['orders 0 3', 'payments.v2 7 0']);
    expect(readdirSync(join(logDir, 'orders-0')).sort()).toEqual(['.kafka_cleanshutdown', '00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'leader-epoch-checkpoint']);
    expect(new OffsetCheckpointFile(fs, logDir, RECOVERY_POINT_CHECKPOINT).read()).toEqual(new Map([['orders-0', 4n], ['payments.v2-7', 2n]]));
  });

  it('names partition directories <topic>-<partition>, topics with dashes included', () => {
    expect(parsePartitionDir('orders-eu-12')).toEqual({ topic: 'orders-eu', partition: 12 });
    expect(parsePartitionDir('meta.properties')).toBeNull();
    expect(parsePartitionDir('orders-x')).toBeNull();
  });
});
