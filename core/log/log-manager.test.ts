import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager, parsePartitionDir } from './log-manager.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { NodeFileSystem } from './node-file-system.js';
import { batchOf, batchRanges, keyedBatch, ManualClock, testConfig } from './testdata/log-fixtures.js';
import { workerRecoveryExecutor } from './worker-recovery-executor.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('LogManager', () => {
  it('keeps recovery points and log start offsets in Kafka checkpoint files across restarts', async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock();
    const manager = await LogManager.open({ logDir: '/kafka-logs', fs, clock, configFor: () => testConfig() });
    manager.getOrCreate('orders', 0).append(batchOf(5), 0);
    manager.getOrCreate('orders-eu', 12).append(batchOf(3), 0);
    manager.get('orders', 0)!.deleteRecordsBefore(2n);
    manager.close();
    const text = fs.contents('/kafka-logs/log-start-offset-checkpoint').toString();
    expect(text.split('\n').slice(0, 2)).toEqual(['0', '2']);
    expect(text).toContain('orders 0 2\n');
    expect(fs.contents('/kafka-logs/recovery-point-offset-checkpoint').toString()).toContain('orders-eu 12 3\n');

    const reopened = await LogManager.open({ logDir: '/kafka-logs', fs, clock, configFor: () => testConfig() });
    expect(reopened.all().map((l) => `${l.topic}-${l.partition}`).sort()).toEqual(['orders-0', 'orders-eu-12']);
    expect(reopened.get('orders', 0)!.logStartOffset).toBe(2n);
    expect(reopened.recoveryReports.get('orders-0')?.hadCleanShutdown).toBe(true);
    expect(reopened.delete('orders', 0)).toBe(true);
    expect(fs.exists('/kafka-logs/orders-0')).toBe(false);
    expect(fs.contents('/kafka-logs/log-start-offset-checkpoint').toString()).toBe('0\n1\norders-eu 12 0\n');
  });

  it('runs retention, flushing and compaction as scheduled tasks', async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock();
    const manager = await LogManager.open({
      logDir: '/kafka-logs',
      fs,
      clock,
      configFor: (topic) => (topic === 'state' ? testConfig({ segmentBytes: 150, cleanupPolicy: { delete: false, compact: true } }) : testConfig({ segmentBytes: 200, retentionMs: 1000, flushMs: 500 })),
      yieldToAppends: () => Promise.resolve(),
    });
    const events = manager.getOrCreate('events', 0);
    const state = manager.getOrCreate('state', 0);
    for (let i = 0; i < 4; i++) events.append(batchOf(1, { valueBytes: 100, timestampMs: clock.nowMs() }), 0);
    for (let i = 0; i < 4; i++) state.append(keyedBatch([{ key: 'k', value: `${i}`, timestampMs: clock.nowMs() }]), 0);
    const tasks = new Map(manager.scheduledTasks().map((t) => [t.name, t]));
    expect([...tasks.keys()]).toEqual(['log-retention', 'log-cleaner', 'log-flusher', 'log-checkpoint', 'log-file-delete']);
    clock.advance(600);
    await tasks.get('log-flusher')!.run();
    expect(events.recoveryPoint).toBe(4n);
    expect(fs.contents('/kafka-logs/recovery-point-offset-checkpoint').toString()).toContain('events 0 4\n');
    clock.advance(1000);
    await tasks.get('log-retention')!.run();
    expect(events.segmentBaseOffsets).toEqual([3n]);
    // Deleted segments wait as *.deleted files for the file-deletion task, as in Kafka.
    const deleted = () => fs.list('/kafka-logs/events-0').filter((n) => n.endsWith('.deleted'));
    expect(deleted()).toContain('00000000000000000000.log.deleted');
    await tasks.get('log-file-delete')!.run();
    expect(deleted()).toEqual([]);
    expect(fs.list('/kafka-logs/events-0').filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000003.log']);
    expect(state.segmentBaseOffsets.length).toBeGreaterThan(1);
    await tasks.get('log-cleaner')!.run();
    // Offsets 0 and 1 share the first segment: only the later value of the key stays.
    expect(state.segmentBaseOffsets[1]).toBe(2n);
    expect(batchRanges(state.read(0n, 1 << 20).records)).toEqual([[1n, 1n]]);
  });

  it('recovers partitions on worker threads after a crash, keeping every written batch', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'freshet-logs-'));
    dirs.push(logDir);
    const fs = new NodeFileSystem();
    const clock = new ManualClock();
    const manager = await LogManager.open({ logDir, fs, clock, configFor: () => testConfig({ segmentBytes: 2000 }) });
    const written = new Map<string, Buffer>();
    for (let p = 0; p < 4; p++) {
      const log = manager.getOrCreate('t', p);
      for (let i = 0; i < 30; i++) log.append(batchOf(1 + (i % 3), { valueBytes: 40 }), 0);
      written.set(`t-${p}`, Buffer.concat(log.segmentBaseOffsets.map((b) => readFileSync(join(logDir, `t-${p}`, `${b.toString().padStart(20, '0')}.log`)))));
    }
    // No close: the next manager finds no clean-shutdown marker and recovers everything.
    const recovered = await LogManager.open({ logDir, fs, clock, configFor: () => testConfig({ segmentBytes: 2000 }), recoveryExecutor: workerRecoveryExecutor(2) });
    for (let p = 0; p < 4; p++) {
      const report = recovered.recoveryReports.get(`t-${p}`)!;
      expect(report.hadCleanShutdown).toBe(false);
      expect(report.segmentsRecovered).toBeGreaterThan(1);
      expect(report.problem).toBeNull();
      const log = recovered.get('t', p)!;
      const bytes: Buffer[] = [];
      for (let offset = 0n; offset < log.logEndOffset; ) {
        const records = log.read(offset, 1 << 20).records;
        bytes.push(records);
        offset = batchRanges(records).at(-1)![1] + 1n;
      }
      expect(Buffer.concat(bytes).equals(written.get(`t-${p}`)!)).toBe(true);
    }
    recovered.close();
  });

  it('parses partition directories whose topic has dashes', () => {
    expect(parsePartitionDir('orders-eu-12')).toEqual({ topic: 'orders-eu', partition: 12 });
    expect(parsePartitionDir('meta.properties')).toBeNull();
    expect(parsePartitionDir('orders-x')).toBeNull();
  });
});
