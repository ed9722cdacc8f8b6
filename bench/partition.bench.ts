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
  // librdkafka's batches at full speed (batch.size and message.max.bytes of 1 MB).
  { label: '1 MiB', records: 1000, burst: 8 },
] as const;
/** What a consumer asks of a partition per fetch: kcat's max.partition.fetch.bytes. */
const READ_MAX_BYTES = 1 << 20;
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

let readCursor = 0;
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
cases.push({
  name: 'partition actor on an io thread, read of 1 MiB (fetch), one at a time',
  bytes: READ_MAX_BYTES,
  async: true,
  fn: async () => {
    // Walks the 16 KiB partition so that every read starts at another batch.
    readCursor = (readCursor + 64 * 16) % (64 * 16 * 32);
    const { payload } = await runtime.ask('p-16', { op: 'read', fetchOffset: readCursor, maxBytes: READ_MAX_BYTES, isolationLevel: 0, minOneMessage: true });
    if ((payload?.byteLength ?? 0) < READ_MAX_BYTES / 2) throw new Error(`read only ${payload?.byteLength ?? 0} bytes`);
  },
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
    // 40 MiB in p-16 for the reads to walk (2560 batches of 16 records).
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 64 }, () => runtime.ask('p-16', { op: 'append', acks: 1 }, { payload: batches.get(16)! })));
    }
  },
  teardown: async () => {
    await runtime?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  },
});
