// A partition leader's append, in the thread that owns the socket vs as an
// actor on an io thread (runtime.ask carrying the batch through the shared
// ring, the way the replica manager does it: one ask per partition per
// request). Same disk, same batches, same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../core/actors/runtime.js';
import { defaultLogConfig } from '../core/log/log-config.js';
import { NodeFileSystem } from '../core/log/node-file-system.js';
import { PartitionLog } from '../core/log/partition-log.js';
import { PartitionLeader } from '../core/partition/partition-leader.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import type { PartitionActorArgs } from '../runtime/replica/partition-actor.js';
import { benchGroup, type BenchCase } from './harness.js';

const sizes = [
  { label: '16 KiB', records: 16, burst: 64 },
  { label: '256 KiB', records: 256, burst: 16 },
] as const;
const batches = new Map(
  sizes.map(({ records }) => [
    records,
    buildUncompressedRecordBatch({ records: Array.from({ length: records }, (_, i) => ({ value: Buffer.alloc(1000, i), timestamp: 1_700_000_000_000 })) }),
  ]),
);
const partitionActorModule = new URL('../runtime/replica/partition-actor.ts', import.meta.url);
const settings = { compressionType: 'producer', minInsyncReplicas: 1 } as const;
const leadership = { leaderEpoch: 0, replicas: [1], isr: [1] };

let dir = '';
let leader: PartitionLeader;
let runtime: Runtime;

const cases: BenchCase[] = sizes.flatMap(({ label, records, burst }, index) => {
  const batch = batches.get(records)!;
  return [
    {
      name: `${index === 0 ? 'baseline: ' : ''}PartitionLeader.appendSync in this thread, ${burst} x ${label}`,
      bytes: batch.length * burst,
      baseline: index === 0,
      fn: () => {
        for (let i = 0; i < burst; i++) leader.appendSync(batch, 0, 1);
      },
    },
    {
      name: `partition actor on an io thread, ${burst} pipelined asks x ${label}`,
      bytes: batch.length * burst,
      async: true,
      fn: async () => {
        const asks = [];
        for (let i = 0; i < burst; i++) asks.push(runtime.ask(`p-${records}`, { op: 'append', acks: 1 }, { payload: batch }));
        await Promise.all(asks);
      },
    },
    {
      name: `partition actor on an io thread, ${burst} sequential asks x ${label}`,
      bytes: batch.length * burst,
      async: true,
      fn: async () => {
        for (let i = 0; i < burst; i++) await runtime.ask(`p-${records}`, { op: 'append', acks: 1 }, { payload: batch });
      },
    },
  ];
});

export default benchGroup('core/partition append: in-thread vs partition actor', cases, {
  setup: async () => {
    dir = mkdtempSync(join(tmpdir(), 'partition-bench-'));
    const config = { ...defaultLogConfig, segmentBytes: 256 << 20 };
    const log = PartitionLog.open({ dir, topic: 'local', partition: 0, config, fs: new NodeFileSystem(), clock: { nowMs: () => Date.now() } });
    leader = new PartitionLeader(log, 1, leadership, settings);
    runtime = await Runtime.start({ threads: { io: 1 } });
    for (const { records } of sizes) {
      const args: PartitionActorArgs = { logDir: dir, topic: 'actor', partition: records, brokerId: 1, leadership, logConfig: config, settings, housekeepingIntervalMs: 60_000 };
      await runtime.spawn({ name: `p-${records}`, role: 'io', module: partitionActorModule, exportName: 'partitionActor', args });
      for (let i = 0; i < 64; i++) await runtime.ask(`p-${records}`, { op: 'append', acks: 1 }, { payload: batches.get(records)! });
    }
  },
  teardown: async () => {
    await runtime?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  },
});
