// core/partition producer state on open: replaying the batch headers of the last two segments
// (after a kill -9) and loading the clean-shutdown snapshot, against reading the same bytes with
// fs.readSync in 1 MiB chunks. BENCH_PRODUCER_LOG_MIB sets the log size (default 128), in 16 KiB
// batches from 100 idempotent producers, on a real file system (warm page cache).
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig } from '../core/log/log-config.js';
import { NodeFileSystem } from '../core/log/node-file-system.js';
import { PartitionLog } from '../core/log/partition-log.js';
import { PartitionLeader } from '../core/partition/partition-leader.js';
import { ProducerStateManager } from '../core/partition/producer-state.js';
import { rebuildProducerState } from '../core/partition/producer-state-loader.js';
import { readLatestProducerSnapshot } from '../core/partition/producer-state-snapshot.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { benchGroup } from './harness.js';

const MiB = 1 << 20;
const LOG_MiB = Number(process.env.BENCH_PRODUCER_LOG_MIB ?? 128);
const PRODUCERS = 100;
const RECORDS_PER_BATCH = 16;
const fs = new NodeFileSystem();
const clock = { nowMs: () => Date.now() };
// Half the log per segment: the replay covers all of it (the last two segments).
const config = { ...defaultLogConfig, segmentBytes: (LOG_MiB / 2) * MiB + MiB };

let root = '';
let log: PartitionLog;
let logBytes = 0;
const chunk = Buffer.allocUnsafe(MiB);

function openLog(): PartitionLog {
  return PartitionLog.open({ dir: root, topic: 'bench', partition: 0, config, fs, clock });
}

export default benchGroup(
  'core/partition producer state on open',
  [
    {
      name: `baseline: fs.readSync the segments, 1 MiB chunks (${LOG_MiB} MiB)`,
      baseline: true,
      get bytes() {
        return logBytes;
      },
      fn: () => {
        for (const base of log.segmentBaseOffsets) {
          const fd = openSync(join(root, 'bench-0', `${base.toString().padStart(20, '0')}.log`), 'r');
          for (let position = 0; readSync(fd, chunk, 0, MiB, position) > 0; position += MiB);
          closeSync(fd);
        }
      },
    },
    {
      name: 'rebuildProducerState: replay the last two segments (after kill -9)',
      get bytes() {
        return logBytes;
      },
      fn: () => rebuildProducerState(log, new ProducerStateManager()),
    },
    {
      name: 'rebuildProducerState: from the clean-shutdown snapshot',
      fn: () => rebuildProducerState(log, new ProducerStateManager(), readLatestProducerSnapshot(fs, join(root, 'bench-0'))),
    },
  ],
  {
    setup: () => {
      root = mkdtempSync(join(tmpdir(), 'bench-producer-state-'));
      const writer = openLog();
      const leader = new PartitionLeader(writer, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 }, fs);
      const value = Buffer.alloc(1000, 0x61);
      const sequences = new Array<number>(PRODUCERS).fill(0);
      for (let i = 0; writer.size < LOG_MiB * MiB; i++) {
        const producer = i % PRODUCERS;
        const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value, timestamp: Date.now() }));
        const batch = buildUncompressedRecordBatch({ records, producerId: BigInt(producer), producerEpoch: 0, baseSequence: sequences[producer]! });
        sequences[producer]! += RECORDS_PER_BATCH;
        leader.appendSync(batch, Date.now(), 1);
      }
      leader.writeProducerSnapshot();
      writer.close();
      log = openLog();
      logBytes = log.size;
      if (log.segmentBaseOffsets.length !== 2) throw new Error(`expected 2 segments, got ${log.segmentBaseOffsets.length}`);
    },
    teardown: () => {
      log.close();
      rmSync(root, { recursive: true, force: true });
    },
  },
);
