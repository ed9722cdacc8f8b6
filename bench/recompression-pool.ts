// `npx tsx bench/recompression-pool.ts [batches] [threads] [rounds]`: recompression of
// produced batches to a topic's compression.type (lz4 from the producer, gzip
// on the topic), inline on the receiving thread as the partition does without
// the pool, against the background pool (`background.threads`) as the Produce
// handler uses it. Both run in this process, baseline first; the table gives
// the wall time, the throughput, and the longest stall of the receiving
// thread's event loop (a 1 ms timer's worst lateness), which is what every
// other partition and connection of that thread waits for. Rounds alternate
// inline and pool, and each figure is the median over the rounds, so load from
// elsewhere on the machine falls on both.
import { cpus } from 'node:os';
import { BackgroundPool } from '../core/actors/background-pool.js';
import { Compression, RecordBatchView } from '../core/protocol/record-batch-header.js';
import { validateBatchRecords } from '../core/protocol/records/batch-validator.js';
import { buildRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { recompressRecords } from '../core/protocol/records/recompress-batch.js';
import type { RecordRules } from '../core/protocol/records/record-validator.js';
import { formatTable } from './table.js';

const BATCHES = Number(process.argv[2] ?? 64);
const THREADS = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 5);
const RECORDS_PER_BATCH = 1000;
const NOW = 1_700_000_000_000;

/** Log-like values (about 250 KiB a batch uncompressed), as a producer batches them. */
async function producedBatch(seed: number): Promise<Buffer> {
  const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    key: Buffer.from(`user-${(seed * 7919 + i) % 5000}`),
    value: Buffer.from(`{"ts":${NOW + i},"level":"${i % 11 === 0 ? 'warn' : 'info'}","req":${seed * RECORDS_PER_BATCH + i},"path":"/api/v1/items/${(i * 31) % 977}","ms":${(i * 17) % 250}}`.padEnd(240, ' ')),
    timestamp: NOW + i,
  }));
  return buildRecordBatch({ records, compression: Compression.lz4 });
}

/** Runs `work` while a 1 ms timer measures how late the event loop lets it fire. */
async function measured(work: () => Promise<void>): Promise<{ ms: number; stallMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  const start = performance.now();
  await work();
  const end = performance.now();
  clearInterval(timer);
  // Work that never yields keeps the timer from firing at all: count the wait up to its end too.
  worst = Math.max(worst, end - last - 1);
  const ms = end - start;
  return { ms, stallMs: Math.max(worst, 0) };
}

const batches = await Promise.all(Array.from({ length: BATCHES }, (_, i) => producedBatch(i)));
const bytes = batches.reduce((sum, b) => sum + b.length, 0);
const rules: RecordRules = { topicPartition: 'bench-0', keyRequired: false, timestampType: 'CreateTime', timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, nowMs: NOW, origin: 'client' };

// Inline: one batch after another on this thread, as a partition actor recompresses without the pool.
const runInline = () =>
  measured(async () => {
    for (const batch of batches) {
      const view = new RecordBatchView(batch, 0);
      const validated = await validateBatchRecords(view, rules);
      if ('errorCode' in validated) throw new Error(validated.errorMessage ?? 'invalid');
      await recompressRecords(view, Compression.gzip, validated.records);
    }
  });

const pool = new BackgroundPool({ threads: THREADS });
// The pool's threads start on demand: warm them up outside the measurement.
await Promise.all(Array.from({ length: THREADS * 2 }, (_, i) => pool.recompress(batches[i % BATCHES]!, Compression.gzip)));
// As the Produce handler does: every batch handed to the pool as it arrives.
const runPooled = () =>
  measured(async () => {
    const results = await Promise.all(batches.map((batch) => pool.recompress(batch, Compression.gzip)));
    if (!results.every((r) => 'batch' in r)) throw new Error('a batch was not recompressed');
  });

const inlineRuns: { ms: number; stallMs: number }[] = [];
const pooledRuns: { ms: number; stallMs: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  inlineRuns.push(await runInline());
  pooledRuns.push(await runPooled());
}
await pool.close();

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = (runs: { ms: number; stallMs: number }[]) => ({ ms: median(runs.map((r) => r.ms)), stallMs: median(runs.map((r) => r.stallMs)) });
const inline = summary(inlineRuns);
const pooled = summary(pooledRuns);

const row = (name: string, r: { ms: number; stallMs: number }) => [
  name,
  r.ms.toFixed(0),
  (bytes / 1e6 / (r.ms / 1000)).toFixed(1),
  r.stallMs.toFixed(1),
  (inline.ms / r.ms).toFixed(2),
];
console.log(`${BATCHES} lz4 batches of ${RECORDS_PER_BATCH} records (${(bytes / 1e6).toFixed(1)} MB as produced) recompressed to gzip; median of ${ROUNDS} rounds; ${cpus().length} cores`);
console.log(formatTable(['case', 'wall ms', 'MB/s in', 'worst stall ms', 'speed vs inline'], [row('inline (receiving thread)', inline), row(`pool (background.threads=${THREADS})`, pooled)]));
