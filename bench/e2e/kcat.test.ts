import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRecordFile } from './kcat.js';

const dir = mkdtempSync(join(tmpdir(), 'freshet-kcat-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kcat record files', () => {
  it.each([100, 1024, 10240])('holds exactly the asked number of distinct %i-byte printable records, one per line', (recordBytes) => {
    const count = Math.ceil((3 << 20) / recordBytes);
    const path = join(dir, `${recordBytes}.txt`);
    writeRecordFile(path, recordBytes, count);
    const lines = readFileSync(path, 'latin1').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(count);
    expect(lines.every((line) => line.length === recordBytes && /^[A-Za-z0-9+/]+$/.test(line))).toBe(true);
    expect(new Set(lines).size).toBe(count);
  });
});
