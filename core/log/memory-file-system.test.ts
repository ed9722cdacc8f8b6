import { describe, expect, it } from 'vitest';
import { LogError } from './log-error.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { batchOf, batchRanges, memoryLog } from './testdata/log-fixtures.js';

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('MemoryFileSystem with limited space', () => {
  it('keeps the part of a write that fits, throws ENOSPC, and takes writes again once there is room', () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/d');
    fs.limitSpace(100);
    const a = fs.open('/d/a', { create: true });
    a.write(Buffer.alloc(60, 1), 0, 60, 0);
    const b = fs.open('/d/b', { create: true });
    expect(errorOf(() => b.write(Buffer.alloc(50, 2), 0, 50, 0))).toMatchObject({ code: 'ENOSPC' });
    expect(fs.contents('/d/b')).toEqual(Buffer.alloc(40, 2));
    // Overwriting bytes a file already has needs no room; growing it does.
    a.write(Buffer.alloc(60, 3), 0, 60, 0);
    expect(errorOf(() => a.truncate(61))).toMatchObject({ code: 'ENOSPC' });
    fs.unlink('/d/b');
    b.close();
    a.write(Buffer.alloc(40, 4), 0, 40, 60);
    expect(fs.contents('/d/a')).toEqual(Buffer.concat([Buffer.alloc(60, 3), Buffer.alloc(40, 4)]));
  });
});

describe('a partition log whose disk fills up', () => {
  it('refuses the append that does not fit with KAFKA_STORAGE_ERROR, goes offline, and after room and a reopen holds every acknowledged batch and nothing torn', () => {
    const h = memoryLog();
    const batchBytes = batchOf(2, { valueBytes: 200 }).length;
    h.fs.limitSpace(3 * batchBytes + Math.floor(batchBytes / 2));
    const acknowledged: Buffer[] = [];
    let refusal: unknown;
    while (refusal === undefined) {
      const batch = batchOf(2, { valueBytes: 200 });
      try {
        h.log.append(batch, 0);
        acknowledged.push(batch);
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(LogError);
    expect((refusal as LogError).kind).toBe('KAFKA_STORAGE_ERROR');
    expect((refusal as LogError).cause).toMatchObject({ code: 'ENOSPC' });
    expect(acknowledged).toHaveLength(3);
    expect(h.log.logEndOffset).toBe(6n);
    // As Kafka's offline log dir: the partition answers KAFKA_STORAGE_ERROR until it is reopened, for reads too.
    expect(errorOf(() => h.log.read(0n, 1 << 20))).toMatchObject({ kind: 'KAFKA_STORAGE_ERROR' });
    expect(errorOf(() => h.log.append(batchOf(1), 0))).toMatchObject({ kind: 'KAFKA_STORAGE_ERROR' });
    h.log.close();

    // Room is made and the broker restarts (kill -9 or not, the page cache keeps every written byte).
    h.fs.limitSpace(null);
    h.fs.crashProcess();
    const log = h.reopen();
    // The part of the refused batch that reached the disk is cut off by recovery.
    expect(log.recoveryReport.bytesTruncated).toBeGreaterThan(0);
    expect(log.recoveryReport.bytesTruncated).toBeLessThan(batchBytes);
    expect(log.logEndOffset).toBe(6n);
    expect(log.read(0n, 1 << 20).records).toEqual(Buffer.concat(acknowledged));
    expect(log.append(batchOf(1), 0).firstOffset).toBe(6n);
    expect(batchRanges(log.read(0n, 1 << 20).records)).toEqual([[0n, 1n], [2n, 3n], [4n, 5n], [6n, 6n]]);
  });
});
