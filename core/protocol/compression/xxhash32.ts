/**
 * XXH32 (seed 0 unless given), the checksum of the LZ4 frame format: its
 * header checksum is the second byte of XXH32 over the descriptor, a block
 * checksum is XXH32 over the block's stored bytes.
 */
const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

export function xxhash32(data: Uint8Array, start: number, end: number, seed = 0): number {
  let position = start;
  let hash: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    for (const limit = end - 16; position <= limit; position += 16) {
      v1 = round(v1, readU32(data, position));
      v2 = round(v2, readU32(data, position + 4));
      v3 = round(v3, readU32(data, position + 8));
      v4 = round(v4, readU32(data, position + 12));
    }
    hash = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    hash = (seed + PRIME5) | 0;
  }
  hash = (hash + (end - start)) | 0;
  for (; position + 4 <= end; position += 4) hash = Math.imul(rotl((hash + Math.imul(readU32(data, position), PRIME3)) | 0, 17), PRIME4);
  for (; position < end; position++) hash = Math.imul(rotl((hash + Math.imul(data[position]!, PRIME5)) | 0, 11), PRIME1);
  hash = Math.imul(hash ^ (hash >>> 15), PRIME2);
  hash = Math.imul(hash ^ (hash >>> 13), PRIME3);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function round(accumulator: number, lane: number): number {
  return Math.imul(rotl((accumulator + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}
function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
function readU32(data: Uint8Array, position: number): number {
  return data[position]! | (data[position + 1]! << 8) | (data[position + 2]! << 16) | (data[position + 3]! << 24);
}
