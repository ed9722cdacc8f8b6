import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from './murmur2.js';

// Kafka's UtilsTest vectors.
const vectors: Array<[string, number, number]> = [
  ['21', -973932308, 1173551340],
  ['foobar', -790332482, 1357151166],
  ['a-little-bit-long-string', -985981536, 1161502112],
  ['a-little-bit-longer-string', -1486304829, 661178819],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 2088585677],
  ['abc', 479470107, 479470107],
];

describe('murmur2', () => {
  it.each(vectors)('hashes %j as Java does', (input, hash, positive) => {
    expect(murmur2(Buffer.from(input, 'ascii'))).toBe(hash);
    expect(toPositive(murmur2(Buffer.from(input, 'ascii')))).toBe(positive);
  });

  it('treats bytes as unsigned in the tail and in whole words', () => {
    // Same length, differing only in a high-bit byte: must hash differently and stay int32.
    const a = murmur2(Uint8Array.of(0xff, 0x80, 0x01, 0x7f, 0xfe));
    const b = murmur2(Uint8Array.of(0xff, 0x80, 0x01, 0x7f, 0x7e));
    expect(a).not.toBe(b);
    expect(a | 0).toBe(a);
  });

  it('picks the partition as toPositive(hash) % numPartitions', () => {
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe(1357151166 % 7);
    expect(partitionForKey(Buffer.from('21'), 3)).toBe(1173551340 % 3);
  });

  it('clears only the sign bit in toPositive', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
  });
});
