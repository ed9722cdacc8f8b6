import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from './node-file-system.js';
import { PartitionLog } from './partition-log.js';
import { testConfig } from './testdata/log-fixtures.js';

const child = fileURLToPath(new URL('./testdata/append-child.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the appending child until it has reported `count` flushed batches, then SIGKILLs it. */
function appendThenKill(logDir: string, count: number): Promise<Map<bigint, string>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, logDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const reported = new Map<bigint, string>();
    let pending = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [offset, hex] = line.split(' ');
        reported.set(BigInt(offset!), hex!);
      }
      if (reported.size >= count && proc.exitCode === null) proc.kill('SIGKILL');
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('a real crash', () => {
  it('keeps every batch the killed process reported as flushed, byte for byte', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'freshet-crash-'));
    dirs.push(logDir);
    const reported = await appendThenKill(logDir, 400);
    expect(reported.size).toBeGreaterThanOrEqual(400);
    const log = PartitionLog.open({ dir: logDir, topic: 'crash', partition: 0, config: testConfig({ segmentBytes: 64 * 1024 }), fs: new NodeFileSystem(), clock: { nowMs: () => 0 } });
    expect(log.recoveryReport.hadCleanShutdown).toBe(false);
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(1);
    for (const [offset, hex] of reported) {
      const records = log.read(offset, 1).records;
      if (records.toString('hex') !== hex) throw new Error(`batch at ${offset} differs after recovery`);
    }
    // Appending continues after the last batch that survived.
    const last = [...reported.keys()].reduce((a, b) => (a > b ? a : b));
    expect(log.logEndOffset).toBeGreaterThan(last);
    log.close();
  });
});
