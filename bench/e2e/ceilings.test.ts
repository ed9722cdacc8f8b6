import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureFileAppend, measureTcpLoopback } from './ceilings.js';

const dir = mkdtempSync(join(tmpdir(), 'freshet-ceilings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ceilings', () => {
  it('streams every byte to the TCP sink before reporting a rate', async () => {
    const mbPerSec = await measureTcpLoopback(32 << 20);
    expect(mbPerSec).toBeGreaterThan(1);
    expect(Number.isFinite(mbPerSec)).toBe(true);
  });

  it('appends in the given dir and leaves no file behind', async () => {
    const mbPerSec = await measureFileAppend(dir, 16 << 20);
    expect(mbPerSec).toBeGreaterThan(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
