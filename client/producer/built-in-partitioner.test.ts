import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../core/protocol/murmur2.js';
import { BuiltInPartitioner } from './built-in-partitioner.js';

/** A seeded generator in [0, 1), so every run picks the same partitions. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('keyed partitioning', () => {
  it('is toPositive(murmur2(key)) % partitions, as the Java-compatible partitioner of kafkajs', () => {
    const java = Partitioners.JavaCompatiblePartitioner();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (key, numPartitions) => {
        const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
        expect(partitionForKey(Buffer.from(key), numPartitions)).toBe(java({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('BuiltInPartitioner (KIP-794)', () => {
  it('sticks to one partition until batch.size bytes were produced and the batch is full, then moves', () => {
    const partitioner = new BuiltInPartitioner(1000, seeded(1));
    const first = partitioner.peekCurrentPartition(6, [0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < 9; i++) {
      partitioner.updatePartitionInfo(100, false, 6, [0, 1, 2, 3, 4, 5]);
      expect(partitioner.peekCurrentPartition(6, [0, 1, 2, 3, 4, 5])).toBe(first);
    }
    // 1000 bytes produced but the last batch is not full: stay, so the half-full batch is not left to linger.
    partitioner.updatePartitionInfo(100, false, 6, [0, 1, 2, 3, 4, 5]);
    expect(partitioner.peekCurrentPartition(6, [0, 1, 2, 3, 4, 5])).toBe(first);
    // Twice batch.size switches whatever the batch.
    const switches = new Set<number>();
    for (let round = 0; round < 50; round++) {
      partitioner.updatePartitionInfo(2000, false, 6, [0, 1, 2, 3, 4, 5]);
      switches.add(partitioner.peekCurrentPartition(6, [0, 1, 2, 3, 4, 5]));
    }
    expect(switches.size).toBeGreaterThan(3);
  });

  it('switches at batch.size once the batch is full', () => {
    const partitioner = new BuiltInPartitioner(1000, seeded(2));
    const picks: number[] = [];
    for (let round = 0; round < 200; round++) {
      picks.push(partitioner.peekCurrentPartition(4, [0, 1, 2, 3]));
      partitioner.updatePartitionInfo(1000, true, 4, [0, 1, 2, 3]);
    }
    // Uniform among available partitions without load stats.
    const counts = [0, 1, 2, 3].map((p) => picks.filter((x) => x === p).length);
    for (const count of counts) expect(count).toBeGreaterThan(25);
  });

  it('picks only partitions with a leader', () => {
    const partitioner = new BuiltInPartitioner(10, seeded(3));
    for (let round = 0; round < 100; round++) {
      expect([1, 4]).toContain(partitioner.peekCurrentPartition(6, [1, 4]));
      partitioner.updatePartitionInfo(10, true, 6, [1, 4]);
    }
  });

  it('sends more to partitions with shorter queues, weighted maxQueue + 1 - queue', () => {
    const partitioner = new BuiltInPartitioner(10, seeded(4));
    // Queues 0, 3, 3: weights 4, 1, 1 → partition 0 gets about 2/3 of the switches.
    partitioner.updatePartitionLoadStats([0, 3, 3], [0, 1, 2], 3);
    const picks: number[] = [];
    for (let round = 0; round < 3000; round++) {
      partitioner.updatePartitionInfo(10, true, 3, [0, 1, 2]);
      picks.push(partitioner.peekCurrentPartition(3, [0, 1, 2]));
    }
    const share = picks.filter((p) => p === 0).length / picks.length;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.73);
    // Equal queues on every partition: no preference.
    partitioner.updatePartitionLoadStats([2, 2, 2], [0, 1, 2], 3);
    const uniform: number[] = [];
    for (let round = 0; round < 3000; round++) {
      partitioner.updatePartitionInfo(10, true, 3, [0, 1, 2]);
      uniform.push(partitioner.peekCurrentPartition(3, [0, 1, 2]));
    }
    expect(uniform.filter((p) => p === 0).length / uniform.length).toBeLessThan(0.4);
  });
});
