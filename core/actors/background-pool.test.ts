import { crc32c } from '@node-rs/crc32';
import { afterAll, describe, expect, it } from 'vitest';
import { BackgroundPool } from './background-pool.js';

const pool = new BackgroundPool({ threads: 2 });
afterAll(() => pool.close());

describe('BackgroundPool', () => {
  it('computes CRC-32C on a pool thread, matching the check value and an inline computation', async () => {
    expect(await pool.crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const big = Buffer.alloc(4 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const slice = big.subarray(100, big.length - 100);
    expect(await pool.crc32c(slice)).toBe(crc32c(slice) >>> 0);
    expect(slice.byteLength).toBe((4 << 20) - 200); // the caller's bytes stay usable
  });

  it('runs a named job from another module', async () => {
    const jobs = new URL('./background-jobs.ts', import.meta.url);
    const bytes = new TextEncoder().encode('123456789').buffer;
    expect(await pool.run(jobs, 'crc32cJob', { bytes }, [bytes])).toBe(0xe3069283);
  });

  it('refuses a pool without threads', () => {
    expect(() => new BackgroundPool({ threads: 0 })).toThrow(RangeError);
  });
});
