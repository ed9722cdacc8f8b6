import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coordinatorPartitionFor, javaStringHashCode } from './coordinator-partition.js';

/** Java's String.hashCode spelled out with BigInt: the sum of c[i]*31^(n-1-i), wrapped to a signed 32-bit int. */
function referenceHashCode(value: string): number {
  let hash = 0n;
  for (let i = 0; i < value.length; i++) hash = (hash * 31n + BigInt(value.charCodeAt(i))) % (1n << 32n);
  return Number(BigInt.asIntN(32, hash));
}

describe('coordinatorPartitionFor', () => {
  it('matches values Java computes for String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    // UTF-16 code units, not code points: a surrogate pair counts as two chars.
    expect(javaStringHashCode('\u{1F600}')).toBe(0xd83d * 31 + 0xde00);
  });

  it('agrees with the arbitrary-precision definition for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => javaStringHashCode(s) === referenceHashCode(s)));
  });

  it('maps Integer.MIN_VALUE to partition 0, as Kafka Utils.abs does', () => {
    expect(coordinatorPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(coordinatorPartitionFor('polygenelubricants', 7)).toBe(0);
  });

  it('takes the absolute value of negative hashes', () => {
    expect(javaStringHashCode('billing')).toBe(referenceHashCode('billing'));
    expect(javaStringHashCode('billing')).toBe(-109829509);
    expect(coordinatorPartitionFor('billing', 50)).toBe(9);
  });

  it('always lands inside the offsets topic', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1000 }), (groupId, partitions) => {
        const p = coordinatorPartitionFor(groupId, partitions);
        return Number.isInteger(p) && p >= 0 && p < partitions;
      }),
    );
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => coordinatorPartitionFor('g', 0)).toThrow(RangeError);
    expect(() => coordinatorPartitionFor('g', 1.5)).toThrow(RangeError);
  });
});
