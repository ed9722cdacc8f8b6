import { buildUncompressedRecordBatch, type RecordInput } from '../../protocol/records/record-batch-builder.js';
import { defaultLogConfig, type Clock, type LogConfig } from '../log-config.js';
import { MemoryFileSystem } from '../memory-file-system.js';
import { PartitionLog, type PartitionLogOptions } from '../partition-log.js';

export class ManualClock implements Clock {
  constructor(public timeMs = 1_700_000_000_000) {}
  nowMs(): number {
    return this.timeMs;
  }
  advance(ms: number): void {
    this.timeMs += ms;
  }
}

/** An uncompressed batch of `count` records with values `v<first+i>` and timestamps from `timestampMs`. */
export function batchOf(count: number, options: { first?: number; timestampMs?: number; valueBytes?: number; keys?: (string | null)[]; producerId?: bigint } = {}): Buffer {
  const first = options.first ?? 0;
  const timestamp = options.timestampMs ?? 1_700_000_000_000;
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(options.valueBytes ?? 0, i % 251);
    const key = options.keys?.[i];
    records.push({ key: key == null ? null : Buffer.from(key), value: Buffer.concat([Buffer.from(`v${first + i}`), value]), timestamp: timestamp + i });
  }
  return buildUncompressedRecordBatch({ records, producerId: options.producerId ?? -1n });
}

/** A keyed batch; a null value is a tombstone. */
export function keyedBatch(entries: { key: string | null; value: string | null; timestampMs: number }[]): Buffer {
  return buildUncompressedRecordBatch({
    records: entries.map((e) => ({ key: e.key === null ? null : Buffer.from(e.key), value: e.value === null ? null : Buffer.from(e.value), timestamp: e.timestampMs })),
  });
}

export function testConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, cleanupPolicy: { ...defaultLogConfig.cleanupPolicy }, ...overrides };
}

export interface LogHarness {
  fs: MemoryFileSystem;
  clock: ManualClock;
  log: PartitionLog;
  options: PartitionLogOptions;
  /** Opens the partition again from what is on the (memory) disk. */
  reopen(extra?: Partial<PartitionLogOptions>): PartitionLog;
}

export function memoryLog(config: Partial<LogConfig> = {}, extra: Partial<PartitionLogOptions> = {}): LogHarness {
  const fs = new MemoryFileSystem();
  fs.mkdir('/data');
  const clock = new ManualClock();
  const options: PartitionLogOptions = { dir: '/data', topic: 'events', partition: 0, config: testConfig(config), fs, clock, ...extra };
  const harness: LogHarness = {
    fs,
    clock,
    options,
    log: PartitionLog.open(options),
    reopen(more = {}) {
      harness.log = PartitionLog.open({ ...options, ...more });
      return harness.log;
    },
  };
  return harness;
}

/** Splits raw log bytes into [baseOffset, lastOffset] pairs. */
export function batchRanges(records: Buffer): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  let at = 0;
  while (at < records.length) {
    const base = records.readBigInt64BE(at);
    out.push([base, base + BigInt(records.readInt32BE(at + 23))]);
    at += records.readInt32BE(at + 8) + 12;
  }
  return out;
}
