// What per-record validation on append costs (issue 13 item 5): for the same
// 1 MiB batches, the append path as it was before (header checks, CRC-32C,
// PartitionLog.append), the leader's append now (the same plus every record
// checked; compressed batches decompressed once, on the sync path), and the
// validator alone. For lz4 and zstd, in the same run, the validator as it was
// with the libraries' decoders (lz4-napi, the async @mongodb-js/zstd
// bindings); for every codec the decoder alone. MB/s are of the batch as
// produced (compressed bytes for compressed batches).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decompressFrameSync } from 'lz4-napi';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig } from '../core/log/log-config.js';
import { NodeFileSystem } from '../core/log/node-file-system.js';
import { PartitionLog } from '../core/log/partition-log.js';
import { PartitionLeader } from '../core/partition/partition-leader.js';
import { Compression, RecordBatchView, type CompressionCodec } from '../core/protocol/record-batch-header.js';
import { gzipDecompress } from '../core/protocol/compression/gzip.js';
import { lz4Decompress } from '../core/protocol/compression/lz4.js';
import { snappyDecompress } from '../core/protocol/compression/snappy.js';
import { zstdDecompressSync } from '../core/protocol/compression/zstd.js';
import { validateBatchSync } from '../core/protocol/records/batch-validator.js';
import { buildRecordBatch, type RecordInput } from '../core/protocol/records/record-batch-builder.js';
import { storedRecordBytes } from '../core/protocol/records/record-iterator.js';
import { checkBatchCounts, validateRecords, type RecordRules } from '../core/protocol/records/record-validator.js';
import { benchGroup, type BenchCase } from './harness.js';

const NOW = 1_700_000_000_000;
/** JSON-like log lines of about 130 bytes: compressible as real traffic is. */
function logLine(i: number): Buffer {
  return Buffer.from(`{"ts":${NOW + i * 7},"level":"${i % 10 === 0 ? 'warn' : 'info'}","svc":"api-${i % 5}","msg":"GET /orders/${i * 31} ${200 + (i % 4)} in ${i % 97}ms"}`);
}
const kib = (count: number): RecordInput[] => Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(1000, i), timestamp: NOW + i }));
const lines = (count: number): RecordInput[] => Array.from({ length: count }, (_, i) => ({ key: null, value: logLine(i), timestamp: NOW + i }));

const workloads: { label: string; records: RecordInput[]; codec: CompressionCodec }[] = [
  { label: 'uncompressed, 1000 x 1 KiB', records: kib(1000), codec: Compression.none },
  { label: 'uncompressed, 7800 log lines', records: lines(7800), codec: Compression.none },
  { label: 'lz4, 7800 log lines', records: lines(7800), codec: Compression.lz4 },
  { label: 'zstd, 7800 log lines', records: lines(7800), codec: Compression.zstd },
  { label: 'gzip, 7800 log lines', records: lines(7800), codec: Compression.gzip },
  { label: 'snappy, 7800 log lines', records: lines(7800), codec: Compression.snappy },
];
const rules: RecordRules = { topicPartition: 'bench-0', keyRequired: false, timestampType: 'CreateTime', timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, nowMs: NOW, origin: 'client' };
const batches: Buffer[] = [];

let dir = '';
let leader: PartitionLeader;
let plainLog: PartitionLog;

const zstdBindings = createRequire(import.meta.url)('@mongodb-js/zstd/bindings') as { decompress(data: Buffer): Promise<Buffer> };
/** The decoder validation uses now, and for lz4 and zstd the library it used before. */
interface Decoders {
  now: string;
  decodeNow: (data: Buffer) => Buffer | undefined;
  before?: { name: string; decode: (data: Buffer) => Buffer | Promise<Buffer> };
}
const decoders: Partial<Record<CompressionCodec, Decoders>> = {
  [Compression.lz4]: { now: 'lz4-frame-decoder', decodeNow: (data) => lz4Decompress(data, { reuseOutput: true }), before: { name: 'lz4-napi decompressFrameSync', decode: decompressFrameSync } },
  [Compression.zstd]: { now: 'node:zlib zstdDecompressSync', decodeNow: (data) => zstdDecompressSync(data), before: { name: '@mongodb-js/zstd bindings, async', decode: (data) => zstdBindings.decompress(data) } },
  [Compression.gzip]: { now: 'zlib gunzipSync', decodeNow: (data) => gzipDecompress(data) },
  [Compression.snappy]: { now: 'snappy, xerial framing', decodeNow: (data) => snappyDecompress(data) },
};

const cases: BenchCase[] = workloads.flatMap(({ label, codec }, index) => {
  const batch = (): Buffer => batches[index]!;
  const decoder = decoders[codec];
  const stored = (): Buffer => storedRecordBytes(new RecordBatchView(batch(), 0));
  const before = decoder?.before;
  const comparison: BenchCase[] = [
    ...(decoder === undefined ? [] : [{ name: `decode alone, now: ${decoder.now}, ${label}`, bytes: 0, fn: () => decoder.decodeNow(stored()) }]),
    ...(before === undefined
      ? []
      : [
          {
            name: `validation as before (${before.name} + record walk), ${label}`,
            bytes: 0,
            async: true,
            fn: async () => {
              const view = new RecordBatchView(batch(), 0);
              if (checkBatchCounts(view, rules.topicPartition) !== null) throw new Error('bad counts');
              expectValid(validateRecords(view, await before.decode(storedRecordBytes(view)), rules));
            },
          },
          { name: `decode alone, before: ${before.name}, ${label}`, bytes: 0, async: true, fn: async () => before.decode(stored()) },
        ]),
  ];
  return [
    {
      name: `${index === 0 ? 'baseline: ' : ''}append before validation (header, CRC, PartitionLog.append), ${label}`,
      baseline: index === 0,
      bytes: 0,
      fn: () => {
        const view = new RecordBatchView(batch(), 0);
        if (!view.isCrcValid()) throw new Error('bad CRC');
        plainLog.append(batch(), 0, { crcVerified: true });
        trim(plainLog);
      },
    },
    {
      name: `PartitionLeader appendSync with record validation, ${label}`,
      bytes: 0,
      fn: () => {
        expectAppended(leader.appendSync(batch(), NOW, 1));
        trim(leader.log);
      },
    },
    { name: `validateBatchSync alone, ${label}`, bytes: 0, fn: () => expectValid(validateBatchSync(new RecordBatchView(batch(), 0), rules)) },
    ...comparison,
  ];
});

/** Keeps the bench's files near 256 MiB: beyond that the page cache grows and the VM, not the append, is measured. */
function trim(log: PartitionLog): void {
  if (log.size < 256 << 20) return;
  log.deleteRecordsBefore(log.logEndOffset);
  for (const file of log.takeDeletedFiles()) rmSync(file, { force: true });
}

function expectAppended(result: { errorCode: number } | null): void {
  if (result === null || result.errorCode !== 0) throw new Error(`append failed: ${JSON.stringify(result)}`);
}
function expectValid(result: unknown): void {
  if (result !== null) throw new Error(`validation failed: ${JSON.stringify(result)}`);
}

export default benchGroup('core/partition append: with vs without per-record validation', cases, {
  setup: async () => {
    for (const { records, codec } of workloads) batches.push(await buildRecordBatch({ records, compression: codec }));
    workloads.forEach((_, index) => {
      for (const c of cases.filter((c) => c.name.endsWith(`, ${workloads[index]!.label}`))) c.bytes = batches[index]!.length;
    });
    dir = mkdtempSync(join(tmpdir(), 'append-validation-bench-'));
    // Small segments, so the page cache reuses freed pages rather than growing (DESIGN.md, performance rules).
    const config = { ...defaultLogConfig, segmentBytes: 64 << 20 };
    const open = (topic: string): PartitionLog => PartitionLog.open({ dir: join(dir, topic), topic, partition: 0, config, fs: new NodeFileSystem(), clock: { nowMs: () => NOW } });
    plainLog = open('plain');
    leader = new PartitionLeader(open('validated'), 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 });
  },
  teardown: () => {
    rmSync(dir, { recursive: true, force: true });
  },
});
