// core/log: 1 MiB appends and fetches against raw fs.writeSync/readSync in the same run,
// plus one-shot figures (recovery of a 1 GiB unflushed segment; cold reads with BENCH_COLD=1)
// printed by setup. BENCH_LOG_MIB sets the log size (default 1024).
import { closeSync, fdatasyncSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultLogConfig, type LogConfig } from '../core/log/log-config.js';
import { BoundedFileSystem } from '../core/log/bounded-file-system.js';
import { NodeFileSystem } from '../core/log/node-file-system.js';
import { PartitionLog } from '../core/log/partition-log.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { benchGroup } from './harness.js';

const MiB = 1 << 20;
const LOG_MiB = Number(process.env.BENCH_LOG_MIB ?? 1024);
const fs = new NodeFileSystem();
// The broker's io threads hold segment files through this LRU (log.max.open.files); the cases marked
// "bounded" run the same work through it to show what it costs on the hot path.
const boundedFs = new BoundedFileSystem(new NodeFileSystem(), 64);
const clock = { nowMs: () => Date.now() };
// Appends cycle through a window that stays in the page cache: the raw baseline truncates its file
// every APPEND_WINDOW_MiB, the log rolls at that segment.bytes and retention (retention.bytes=0)
// drops the rolled segment, so both free the same pages equally often and neither measures
// disk writeback.
const APPEND_WINDOW_MiB = Number(process.env.BENCH_APPEND_WINDOW_MIB ?? 16);
const config: LogConfig = { ...defaultLogConfig, segmentBytes: APPEND_WINDOW_MiB * MiB, retentionBytes: 0, retentionMs: -1 };

// One record whose value fills the batch to exactly 1 MiB.
function oneMiBBatch(): Buffer {
  const value = Buffer.alloc(MiB - 61 - 16, 0x61);
  const batch = buildUncompressedRecordBatch({ records: [{ key: null, value, timestamp: Date.now() }] });
  const fill = MiB - batch.length;
  return fill === 0 ? batch : buildUncompressedRecordBatch({ records: [{ key: null, value: Buffer.alloc(value.length + fill, 0x61), timestamp: Date.now() }] });
}

let root = '';
const batch = oneMiBBatch();
let appendLog: PartitionLog;
let boundedAppendLog: PartitionLog;
let readLog: PartitionLog;
let boundedReadLog: PartitionLog;
let rawFd = -1;
let rawPosition = 0;
let rawSegmentFd = -1;
let rawSegmentPath = '';
let rawSegmentPosition = 0;
let rawSegments = 0;
let readFd = -1;
let readPosition = 0;
let fetchOffset = 0n;
let appends = 0;
// Unlinks deleted segments off the append thread, as the broker's background pool does.
let unlinker: Worker;
function retention(): void {
  appendLog.deleteOldSegments();
  for (const path of appendLog.takeDeletedFiles()) unlinker.postMessage(path);
}
const readBuffer = Buffer.allocUnsafe(MiB);
// A fetch reads its window into a reused buffer, as the fetch path reads into its shared slot.
const fetchBuffer = Buffer.allocUnsafe(MiB + defaultLogConfig.indexIntervalBytes + 61);

function timeOnce(label: string, bytes: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbPerSec = bytes / 1e6 / seconds;
  process.stderr.write(`# ${label}: ${(bytes / MiB).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${mbPerSec.toFixed(0)} MB/s\n`);
  return mbPerSec;
}

/** Drops the page cache (needs root); false when not allowed, and cold figures are skipped. */
function dropCaches(): boolean {
  try {
    const fd = openSync('/proc/sys/vm/drop_caches', 'w');
    writeSync(fd, '1');
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

function rawReadAll(path: string): void {
  const fd = openSync(path, 'r');
  for (let position = 0; readSync(fd, readBuffer, 0, MiB, position) > 0; position += MiB);
  closeSync(fd);
}

function logReadAll(log: PartitionLog): void {
  for (let offset = log.logStartOffset; offset < log.logEndOffset; offset++) log.read(offset, MiB, { into: fetchBuffer });
}

export default benchGroup(
  `core/log 1 MiB batches (${LOG_MiB} MiB log)`,
  [
    {
      name: 'baseline: fs.writeSync 1 MiB append',
      bytes: MiB,
      baseline: true,
      fn: () => {
        if (rawPosition >= APPEND_WINDOW_MiB * MiB) {
          ftruncateSync(rawFd, 0);
          rawPosition = 0;
        }
        writeSync(rawFd, batch, 0, MiB, rawPosition);
        rawPosition += MiB;
      },
    },
    {
      name: 'raw segmented: fs.writeSync into new files, old ones unlinked by a worker',
      bytes: MiB,
      fn: () => {
        if (rawSegmentPosition >= APPEND_WINDOW_MiB * MiB) {
          closeSync(rawSegmentFd);
          unlinker.postMessage(rawSegmentPath);
          rawSegmentPath = join(root, `raw-${++rawSegments}.bin`);
          rawSegmentFd = openSync(rawSegmentPath, 'w');
          rawSegmentPosition = 0;
        }
        writeSync(rawSegmentFd, batch, 0, MiB, rawSegmentPosition);
        rawSegmentPosition += MiB;
      },
    },
    {
      name: 'PartitionLog.append 1 MiB (CRC check, offsets, index)',
      bytes: MiB,
      fn: () => {
        appendLog.append(batch, 1);
        if (++appends % APPEND_WINDOW_MiB === 0) retention();
      },
    },
    {
      name: 'PartitionLog.append 1 MiB, CRC checked upstream',
      bytes: MiB,
      fn: () => {
        appendLog.append(batch, 1, { crcVerified: true });
        if (++appends % APPEND_WINDOW_MiB === 0) retention();
      },
    },
    {
      name: 'PartitionLog.append 1 MiB, CRC checked upstream, bounded open files',
      bytes: MiB,
      fn: () => {
        boundedAppendLog.append(batch, 1, { crcVerified: true });
        if (++appends % APPEND_WINDOW_MiB === 0) {
          boundedAppendLog.deleteOldSegments();
          for (const path of boundedAppendLog.takeDeletedFiles()) unlinker.postMessage(path);
        }
      },
    },
    {
      name: 'fs.readSync 1 MiB sequential, warm (read baseline)',
      bytes: MiB,
      fn: () => {
        if (readSync(readFd, readBuffer, 0, MiB, readPosition) < MiB) readPosition = 0;
        else readPosition += MiB;
      },
    },
    {
      name: 'PartitionLog.read 1 MiB fetch, warm, fresh buffer per fetch',
      bytes: MiB,
      fn: () => {
        readLog.read(fetchOffset, MiB);
        fetchOffset = fetchOffset + 1n >= readLog.logEndOffset ? 0n : fetchOffset + 1n;
      },
    },
    {
      name: 'PartitionLog.read 1 MiB fetch, warm',
      bytes: MiB,
      fn: () => {
        readLog.read(fetchOffset, MiB, { into: fetchBuffer });
        fetchOffset = fetchOffset + 1n >= readLog.logEndOffset ? 0n : fetchOffset + 1n;
      },
    },
    {
      name: 'PartitionLog.read 1 MiB fetch, warm, bounded open files',
      bytes: MiB,
      fn: () => {
        boundedReadLog.read(fetchOffset, MiB, { into: fetchBuffer });
        fetchOffset = fetchOffset + 1n >= boundedReadLog.logEndOffset ? 0n : fetchOffset + 1n;
      },
    },
  ],
  {
    setup: () => {
      root = mkdtempSync(join(tmpdir(), 'freshet-log-bench-'));
      unlinker = new Worker(`require('node:worker_threads').parentPort.on('message', (path) => require('node:fs').rmSync(path, { force: true }))`, { eval: true });
      rawFd = openSync(join(root, 'raw.bin'), 'w+');
      rawSegmentPath = join(root, 'raw-0.bin');
      rawSegmentFd = openSync(rawSegmentPath, 'w');
      appendLog = PartitionLog.open({ dir: root, topic: 'append', partition: 0, config, fs, clock });
      boundedAppendLog = PartitionLog.open({ dir: root, topic: 'append-bounded', partition: 0, config, fs: boundedFs, clock });
      // The read log: LOG_MiB of 1 MiB batches in one segment, left unflushed and unclosed for the recovery figure.
      const readConfig: LogConfig = { ...defaultLogConfig, retentionMs: -1 };
      const writer = PartitionLog.open({ dir: root, topic: 'read', partition: 0, config: readConfig, fs, clock });
      timeOnce('write the read log (PartitionLog.append)', LOG_MiB * MiB, () => {
        for (let i = 0; i < LOG_MiB; i++) writer.append(batch, 1);
      });
      const segment = join(root, 'read-0', '00000000000000000000.log');
      const recovered = { log: writer };
      const recoveryMbs = timeOnce('recovery of an unflushed segment (validate + CRC + rebuild indexes)', LOG_MiB * MiB, () => {
        recovered.log = PartitionLog.open({ dir: root, topic: 'read', partition: 0, config: readConfig, fs, clock });
      });
      if (recovered.log.recoveryReport.segmentsRecovered !== 1) throw new Error('recovery did not run');
      readLog = recovered.log;
      boundedReadLog = PartitionLog.open({ dir: root, topic: 'read', partition: 0, config: readConfig, fs: boundedFs, clock });
      fdatasyncSync((readFd = openSync(segment, 'r')));
      // Dropping the page cache slows every process on the machine: only on request.
      if (process.env.BENCH_COLD === '1' && dropCaches()) {
        const raw = timeOnce('cold fs.readSync 1 MiB sequential', LOG_MiB * MiB, () => rawReadAll(segment));
        dropCaches();
        const ours = timeOnce('cold PartitionLog.read 1 MiB fetches', LOG_MiB * MiB, () => logReadAll(readLog));
        process.stderr.write(`# cold read ratio: ${(ours / raw).toFixed(2)}x of raw readSync\n`);
      } else {
        process.stderr.write('# cold reads skipped: set BENCH_COLD=1 (root) to drop the page cache and measure them\n');
      }
      process.stderr.write(`# recovery: ${recoveryMbs.toFixed(0)} MB/s\n`);
      // Warm both before measuring.
      rawReadAll(segment);
      logReadAll(readLog);
    },
    teardown: async () => {
      closeSync(rawFd);
      closeSync(rawSegmentFd);
      closeSync(readFd);
      appendLog.close();
      boundedAppendLog.close();
      readLog.close();
      boundedReadLog.close();
      await unlinker.terminate();
      rmSync(root, { recursive: true, force: true });
    },
  },
);
