import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.js';

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    const a = new SeededRandom(42), b = new SeededRandom(42), c = new SeededRandom(43);
    const seqA = Array.from({ length: 20 }, () => a.nextU32());
    expect(Array.from({ length: 20 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextU32())).not.toEqual(seqA);
  });

  it('keeps int() within bounds and covers every value', () => {
    const random = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = random.int(10);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(10);
      seen.add(x);
    }
    expect(seen.size).toBe(10);
    expect(() => random.int(0)).toThrow(RangeError);
  });

  it('spreads next() roughly evenly over [0, 1)', () => {
    const random = new SeededRandom(1);
    const buckets = new Array<number>(4).fill(0);
    for (let i = 0; i < 4000; i++) buckets[Math.floor(random.next() * 4)]!++;
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });

  it('shuffles into a permutation and forks independent streams', () => {
    const random = new SeededRandom(3);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    expect([...random.shuffle([...items])].sort()).toEqual(items);
    const f1 = random.fork(), f2 = random.fork();
    expect(f1.nextU32()).not.toBe(f2.nextU32());
  });
});
