/**
 * Kafka's key hash (Java `Utils.murmur2`): 32-bit MurmurHash2 with Kafka's
 * seed, over the serialized key bytes. The result is a signed int32, as Java
 * returns it, so the same key lands on the same partition as with a Java client.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const left = length & 3;
  if (left > 0) {
    if (left === 3) h ^= data[blocks + 2]! << 16;
    if (left >= 2) h ^= data[blocks + 1]! << 8;
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Clears the sign bit (not the absolute value), as Java's `Utils.toPositive`. */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The default partitioner's choice for a keyed record. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}
