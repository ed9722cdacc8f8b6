import { describe, expect, it, vi } from 'vitest';
import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import * as codec from '../protocol/compression/records-codec.js';
import { Compression, batchViews } from '../protocol/record-batch-header.js';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.js';
import { batchRecords } from '../protocol/records/record-iterator.js';
import { IsolationLevel, PartitionLeader } from './partition-leader.js';

// Counts decompressions as the leader makes them, through the module's own export.
vi.mock('../protocol/compression/records-codec.js', async (importOriginal) => {
  const original = await importOriginal<typeof codec>();
  return { ...original, decompressRecords: vi.fn(original.decompressRecords), decompressRecordsSync: vi.fn(original.decompressRecordsSync) };
});

const NOW = 1_700_000_000_000;

describe('recompression to the topic compression.type', () => {
  it('decompresses the produced batch once for validation and recompression together', async () => {
    const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config: defaultLogConfig, fs: new MemoryFileSystem(), clock: { nowMs: () => NOW } });
    const leader = new PartitionLeader(log, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'gzip', minInsyncReplicas: 1 });
    const produced = await buildRecordBatch({ records: ['a', 'b', 'c'].map((v, i) => ({ value: Buffer.from(v), timestamp: NOW + i })), compression: Compression.lz4 });
    vi.mocked(codec.decompressRecords).mockClear();
    vi.mocked(codec.decompressRecordsSync).mockClear();
    expect((await leader.append(produced, NOW, 1)).errorCode).toBe(0);
    const decompressions = [...vi.mocked(codec.decompressRecords).mock.calls, ...vi.mocked(codec.decompressRecordsSync).mock.calls];
    expect(decompressions.map(([compression]) => compression)).toEqual([Compression.lz4]);
    const stored = leader.read(0n, 1 << 20, { isolationLevel: IsolationLevel.readUncommitted, minOneMessage: true }).records;
    const [view] = [...batchViews(stored)];
    expect([view!.compression, view!.isCrcValid()]).toEqual([Compression.gzip, true]);
    expect([...(await batchRecords(view!))].map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);
  });
});
