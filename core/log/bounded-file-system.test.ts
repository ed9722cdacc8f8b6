import { describe, expect, it } from 'vitest';
import { BoundedFileSystem } from './bounded-file-system.js';
import type { LogFile, LogFileSystem } from './log-file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { PartitionLog } from './partition-log.js';
import { batchRanges, keyedBatch, ManualClock, testConfig } from './testdata/log-fixtures.js';

/** Counts the descriptors really open in the file system underneath, and the most ever open at once. */
class CountingFileSystem extends MemoryFileSystem {
  open_ = 0;
  peak = 0;
  override open(path: string, options?: { create?: boolean }): LogFile {
    const file = super.open(path, options);
    this.open_++;
    this.peak = Math.max(this.peak, this.open_);
    const close = file.close.bind(file);
    file.close = () => {
      this.open_--;
      close();
    };
    return file;
  }
}

/** Every stored byte, one read per segment. */
function readAll(log: PartitionLog): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0n; offset < log.logEndOffset; ) {
    const { records } = log.read(offset, 1 << 20);
    const ranges = batchRanges(records);
    parts.push(Buffer.from(records));
    offset = ranges[ranges.length - 1]![1] + 1n;
  }
  return Buffer.concat(parts);
}

describe('BoundedFileSystem', () => {
  it('keeps at most maxOpenFiles descriptors while five logs of many segments append and read, and loses nothing', () => {
    const memory = new CountingFileSystem();
    const fs: LogFileSystem = new BoundedFileSystem(memory, 3);
    const clock = new ManualClock();
    const open = (partition: number) => {
      memory.mkdir(`/data/events-${partition}`);
      return PartitionLog.open({ dir: `/data/events-${partition}`, topic: 'events', partition, config: testConfig({ segmentBytes: 300 }), fs, clock });
    };
    const logs = [0, 1, 2, 3, 4].map(open);
    const written: Buffer[][] = logs.map(() => []);
    for (let round = 0; round < 40; round++) {
      logs.forEach((log, p) => {
        const batch = keyedBatch([{ key: `k${round}`, value: `p${p}-r${round}`, timestampMs: round }]);
        log.append(batch, 0);
        written[p]!.push(batch);
        // A read of an old segment between appends, as a lagging consumer does.
        expect(batchRanges(log.read(BigInt(round >> 1), 1).records)[0]![0]).toBe(BigInt(round >> 1));
      });
    }
    expect(logs[0]!.segmentBaseOffsets.length).toBeGreaterThan(5);
    expect(memory.peak).toBeLessThanOrEqual(3);
    logs.forEach((log, p) => {
      expect(readAll(log).equals(Buffer.concat(written[p]!))).toBe(true);
      log.close();
    });
    expect(memory.open_).toBe(0);
    // Reopened (recovery reads every segment): the same bytes.
    const reopened = [0, 1, 2, 3, 4].map((p) => PartitionLog.open({ dir: `/data/events-${p}`, topic: 'events', partition: p, config: testConfig({ segmentBytes: 300 }), fs, clock }));
    reopened.forEach((log, p) => expect(readAll(log).equals(Buffer.concat(written[p]!))).toBe(true));
    expect(memory.peak).toBeLessThanOrEqual(3);
  });

  it('reopens a file under the name it was renamed to', () => {
    const memory = new CountingFileSystem();
    memory.mkdir('/d');
    const fs = new BoundedFileSystem(memory, 1);
    const a = fs.open('/d/a', { create: true });
    a.write(Buffer.from('first'), 0, 5, 0);
    fs.open('/d/b', { create: true }).write(Buffer.from('other'), 0, 5, 0);
    fs.rename('/d/a', '/d/a.deleted');
    const read = Buffer.alloc(5);
    expect(a.read(read, 0, 5, 0)).toBe(5);
    expect(read.toString()).toBe('first');
    expect(a.path).toBe('/d/a.deleted');
    expect(memory.peak).toBe(1);
  });
});
