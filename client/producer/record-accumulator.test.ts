import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_SIZE } from '../../core/protocol/record-batch-header.js';
import { recordSizeUpperBound, type PendingRecord, type RecordMetadata } from './producer-batch.js';
import { RecordAccumulator, type TopicPartitions } from './record-accumulator.js';

const partitions = (numPartitions: number, leaders: number[]): TopicPartitions => ({
  numPartitions,
  availablePartitions: leaders.flatMap((leader, p) => (leader >= 0 ? [p] : [])),
  leaderOf: (p) => leaders[p] ?? -1,
});

function record(value: string, resolved: RecordMetadata[] = []): PendingRecord {
  return { input: { key: null, value: Buffer.from(value), headers: [], timestamp: 0 }, resolve: (m) => resolved.push(m), reject: () => undefined };
}

const size = (value: string): number => recordSizeUpperBound(null, Buffer.from(value), []);

function accumulator(options: Partial<ConstructorParameters<typeof RecordAccumulator>[0]> = {}): RecordAccumulator {
  return new RecordAccumulator({ batchSizeBytes: 200, lingerMs: 10, deliveryTimeoutMs: 1000, adaptivePartitioning: false, partitionAvailabilityTimeoutMs: 0, random: () => 0.5, ...options });
}

describe('RecordAccumulator', () => {
  const topic = partitions(2, [1, 2]);
  const info = (): TopicPartitions => topic;

  it('fills a batch up to batch.size bytes and starts the next; a full batch is ready at once', () => {
    const acc = accumulator();
    const value = 'x'.repeat(40);
    const perBatch = Math.floor((200 - BATCH_HEADER_SIZE) / size(value));
    const results = Array.from({ length: perBatch + 1 }, () => acc.append('t', 0, record(value), size(value), 0, topic));
    expect(results.map((r) => r.newBatch)).toEqual([true, ...Array<boolean>(perBatch - 1).fill(false), true]);
    expect(results.at(-1)!.batchFull).toBe(true);
    expect(acc.ready(info, 0, false, false).readyNodes).toEqual(new Set([1]));
    const drained = acc.drain(1, (_t, p) => topic.leaderOf(p), 1_000_000, 0, () => true);
    expect(drained.map((b) => b.records.length)).toEqual([perBatch]);
  });

  it('a record larger than batch.size gets a batch of its own', () => {
    const acc = accumulator();
    acc.append('t', 0, record('a'), size('a'), 0, topic);
    const big = 'y'.repeat(500);
    expect(acc.append('t', 0, record(big), size(big), 0, topic).newBatch).toBe(true);
    expect(acc.append('t', 0, record('b'), size('b'), 0, topic).newBatch).toBe(true);
    expect(acc.queuedBatchesOf('t', 0).map((b) => b.records.length)).toEqual([1, 1, 1]);
  });

  it('holds a partly filled batch for linger.ms, unless a flush, close or memory pressure wants it out', () => {
    const acc = accumulator();
    acc.append('t', 1, record('a'), size('a'), 100, topic);
    const waiting = acc.ready(info, 104, false, false);
    expect(waiting.readyNodes.size).toBe(0);
    expect(waiting.nextReadyCheckDelayMs).toBe(6);
    expect(acc.ready(info, 110, false, false).readyNodes).toEqual(new Set([2]));
    expect(acc.ready(info, 101, true, false).readyNodes).toEqual(new Set([2]));
    expect(acc.ready(info, 101, false, true).readyNodes).toEqual(new Set([2]));
    acc.beginFlush();
    expect(acc.ready(info, 101, false, false).readyNodes).toEqual(new Set([2]));
    acc.endFlush();
  });

  it('reports topics whose partition has no leader, and does not drain them', () => {
    const acc = accumulator();
    const leaderless = partitions(1, [-1]);
    acc.append('u', 0, record('a'), size('a'), 0, leaderless);
    const check = acc.ready(() => leaderless, 50, false, false);
    expect(check.unknownLeaderTopics).toEqual(new Set(['u']));
    expect(check.readyNodes.size).toBe(0);
  });

  it('drains one batch per partition per request, within max.request.size, honouring the veto', () => {
    const acc = accumulator();
    const both = partitions(2, [1, 1]);
    for (const p of [0, 0, 1]) acc.append('t', p, record('z'.repeat(150)), size('z'.repeat(150)), 0, both);
    const leaderOf = (_t: string, p: number): number => both.leaderOf(p);
    const first = acc.drain(1, leaderOf, 1_000_000, 20, () => true);
    expect(first.map((b) => b.partition).sort()).toEqual([0, 1]);
    expect(acc.drain(1, leaderOf, 1_000_000, 20, () => false)).toEqual([]);
    expect(acc.drain(1, leaderOf, 1_000_000, 20, () => true).map((b) => b.partition)).toEqual([0]);
  });

  it('puts retries back in front in sequence order and keeps backing-off batches waiting', () => {
    const acc = accumulator();
    for (let i = 0; i < 3; i++) acc.append('t', 0, record('q'.repeat(150)), size('q'.repeat(150)), 0, topic);
    const leaderOf = (_t: string, p: number): number => topic.leaderOf(p);
    const [a] = acc.drain(1, leaderOf, 1_000_000, 0, () => true);
    const [b] = acc.drain(1, leaderOf, 1_000_000, 0, () => true);
    a!.baseSequence = 0;
    b!.baseSequence = 1;
    a!.attempts = b!.attempts = 1;
    a!.retryNotBeforeMs = b!.retryNotBeforeMs = 150;
    acc.reenqueue(b!, 50);
    acc.reenqueue(a!, 50);
    expect(acc.queuedBatchesOf('t', 0).map((batch) => batch.baseSequence)).toEqual([0, 1, -1]);
    const check = acc.ready(info, 60, false, false);
    expect(check.readyNodes.size).toBe(0);
    expect(check.nextReadyCheckDelayMs).toBe(90);
    expect(acc.ready(info, 150, false, false).readyNodes).toEqual(new Set([1]));
  });

  it('expires queued batches after delivery.timeout.ms', () => {
    const acc = accumulator();
    acc.append('t', 0, record('a'), size('a'), 0, topic);
    acc.append('t', 1, record('b'), size('b'), 500, topic);
    expect(acc.nextExpiryDelayMs(100)).toBe(900);
    expect(acc.expiredBatches(999)).toEqual([]);
    expect(acc.expiredBatches(1000).map((b) => b.partition)).toEqual([0]);
    expect(acc.hasQueuedBatches()).toBe(true);
    expect(acc.expiredBatches(1500).map((b) => b.partition)).toEqual([1]);
    expect(acc.hasQueuedBatches()).toBe(false);
  });

  it('places null-key records (partition -1) with the sticky partitioner, moving on when batches fill', () => {
    const acc = accumulator({ random: (() => {
      let n = 0;
      return () => (n++ % 2) / 2;
    })() });
    const value = 'n'.repeat(60);
    const placed = Array.from({ length: 12 }, () => acc.append('t', -1, record(value), size(value), 0, topic).partition);
    expect(new Set(placed).size).toBe(2);
    // Consecutive records share a partition until it has about batch.size bytes.
    expect(placed.slice(0, 2)).toEqual([placed[0], placed[0]]);
  });
});
