import { describe, expect, it } from 'vitest';
import { copyBytes, copyOut } from './shared-copy.js';

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 13) & 0xff;
  return out;
}

describe('shared-copy', () => {
  // Both sides of the size threshold, into shared and into plain memory.
  for (const size of [0, 1, 4095, 4096, 70_001]) {
    it(`copies ${size} bytes into shared memory at an offset and touches nothing else`, () => {
      const shared = new Uint8Array(new SharedArrayBuffer(size + 64), 8, size + 48);
      shared.fill(0xee);
      const source = pattern(size, size);
      copyBytes(source, shared, 16);
      expect(Buffer.from(shared.subarray(16, 16 + size)).equals(source)).toBe(true);
      expect(shared.subarray(0, 16).every((b) => b === 0xee)).toBe(true);
      expect(shared.subarray(16 + size).every((b) => b === 0xee)).toBe(true);
    });

    it(`copies ${size} bytes out of shared memory into a buffer of its own`, () => {
      const shared = new Uint8Array(new SharedArrayBuffer(size + 8), 8, size);
      shared.set(pattern(size, 7));
      const out = copyOut(shared);
      expect(out.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(out.equals(pattern(size, 7))).toBe(true);
      shared.fill(0);
      expect(out.equals(pattern(size, 7))).toBe(true);
    });
  }
});
