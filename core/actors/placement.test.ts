import { describe, expect, it } from 'vitest';
import { chooseThread, stableHash, threadCountsFromConfig } from './placement.js';

describe('placement', () => {
  it('hashes the same key to the same value in every process (FNV-1a test vectors)', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });

  it('spreads the partitions of a topic over all io threads, and keeps a partition on its thread', () => {
    const threads = [1, 2, 3, 4];
    const chosen = Array.from({ length: 64 }, (_, partition) => chooseThread({ name: `leader-${partition}`, topicPartition: { topic: 'orders', partition } }, threads));
    for (const thread of threads) expect(chosen.filter((t) => t === thread).length).toBeGreaterThan(8);
    expect(chooseThread({ name: 'other-name', topicPartition: { topic: 'orders', partition: 5 } }, threads)).toBe(chosen[5]);
  });

  it('reads thread counts from Kafka setting names with Kafka defaults and refuses bad values', () => {
    expect(threadCountsFromConfig({})).toEqual({ network: 3, io: 8, replicaFetcher: 1 });
    expect(threadCountsFromConfig({ 'num.io.threads': '2', 'num.network.threads': 1, 'num.replica.fetchers': '4' })).toEqual({ network: 1, io: 2, replicaFetcher: 4 });
    expect(() => threadCountsFromConfig({ 'num.io.threads': '0' })).toThrow(RangeError);
    expect(() => threadCountsFromConfig({ 'num.io.threads': 'many' })).toThrow(RangeError);
    expect(() => chooseThread({ name: 'x' }, [])).toThrow(RangeError);
  });
});
