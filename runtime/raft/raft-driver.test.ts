import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import type { Entry, Snapshot } from '../../core/raft/raft-log.js';
import { RaftRole } from '../../core/raft/raft-node.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { decodeMetadataRecord, decodeMetadataRecords, encodeMetadataRecord, encodeMetadataRecords, type MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { createMemoryLogger } from '../logger.js';
import { MetadataLogStorage, snapshotFileName } from './metadata-log-storage.js';
import { RaftDriver, type RaftStateMachine } from './raft-driver.js';

/** Values travel as metadata records (a TopicRecord named after the value), as checkpoints hold metadata records. */
const record = (value: string) => ({ type: MetadataRecordType.TopicRecord, value: { name: value, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' } }) as const;
const encode = (value: string): Buffer => encodeMetadataRecord(record(value));
const valueOf = (r: MetadataRecord): string => (r.type === MetadataRecordType.TopicRecord ? r.value.name : '?');

/** A state machine that keeps every applied value in order; its snapshot is those records. */
class Recorder implements RaftStateMachine {
  values: string[] = [];
  loadSnapshot(snapshot: Snapshot): void {
    this.values = decodeMetadataRecords(snapshot.data).map(valueOf);
  }
  applyCommitted(entries: readonly Entry[]): void {
    for (const entry of entries) this.values.push(valueOf(decodeMetadataRecord(entry.data)));
  }
  snapshotData(): Uint8Array {
    return encodeMetadataRecords(this.values.map(record));
  }
}

describe('RaftDriver with a single voter', () => {
  const dirs: string[] = [];
  const drivers: RaftDriver[] = [];
  afterEach(() => {
    for (const driver of drivers.splice(0)) driver.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const start = (dir: string, recorder: Recorder, snapshot: { newRecordBytes?: number; intervalMs?: number } = {}): RaftDriver => {
    const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: dir, voters: [1], nowMs: Date.now });
    const driver = new RaftDriver({
      nodeId: 1,
      clusterId: 'test',
      voters: [{ id: 1, host: '127.0.0.1', port: 1 }],
      storage,
      stateMachine: recorder,
      log: createMemoryLogger(),
      electionTimeoutMs: 1000,
      fetchTimeoutMs: 2000,
      requestTimeoutMs: 2000,
      retryBackoffMs: 20,
      snapshotMaxNewRecordBytes: snapshot.newRecordBytes ?? 1 << 20,
      snapshotMaxIntervalMs: snapshot.intervalMs ?? 0,
      snapshotFetchMaxBytes: 1 << 20,
    });
    drivers.push(driver);
    driver.start();
    return driver;
  };
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-raft-driver-'));
    dirs.push(dir);
    return dir;
  };

  it('leads at once, and resolves each proposal after it is committed and applied, in order', async () => {
    const recorder = new Recorder();
    const driver = start(tempDir(), recorder);
    expect(driver.status().role).toBe(RaftRole.leader);
    const offsets = await Promise.all([driver.propose([encode('a'), encode('b')]), driver.propose([encode('c')])]);
    // Offset 0 is the leader-change entry that opens epoch 1.
    expect(offsets).toEqual([2, 3]);
    expect(recorder.values).toEqual(['a', 'b', 'c']);
    expect(driver.status()).toMatchObject({ highWatermark: 4, appliedOffset: 4, logEndOffset: 4 });
  });

  it('replays the same committed entries after a restart, in a new epoch', async () => {
    const dir = tempDir();
    const first = start(dir, new Recorder());
    for (const value of ['x', 'y', 'z']) await first.propose([encode(value)]);
    first.stop();
    drivers.splice(drivers.indexOf(first), 1);
    const recorder = new Recorder();
    const second = start(dir, recorder);
    await second.propose([encode('after')]);
    expect(recorder.values).toEqual(['x', 'y', 'z', 'after']);
    expect(second.status().epoch).toBe(2);
  });

  it('writes a checkpoint once metadata.log.max.record.bytes.between.snapshots of records commit, and restarts from the newest one plus the entries after it', async () => {
    const dir = tempDir();
    const bytesPerRecord = encode('v0').length;
    const first = start(dir, new Recorder(), { newRecordBytes: 5 * bytesPerRecord });
    for (let i = 0; i < 12; i++) await first.propose([encode(`v${i}`)]);
    first.stop();
    drivers.splice(drivers.indexOf(first), 1);
    const checkpoints = readdirSync(join(dir, '__cluster_metadata-0')).filter((f) => f.endsWith('.checkpoint'));
    expect(checkpoints).toHaveLength(1);
    const recorder = new Recorder();
    const second = start(dir, recorder, { newRecordBytes: 5 * bytesPerRecord });
    await second.propose([encode('last')]);
    expect(recorder.values).toEqual([...Array.from({ length: 12 }, (_, i) => `v${i}`), 'last']);
    expect(second.status().logStartOffset).toBeGreaterThan(0);
  });

  it('writes a checkpoint metadata.log.max.snapshot.interval.ms after the last one when records committed since, however few bytes', async () => {
    const dir = tempDir();
    const startedAt = performance.now();
    const driver = start(dir, new Recorder(), { newRecordBytes: 1 << 30, intervalMs: 300 });
    const checkpoints = (): string[] => readdirSync(join(dir, '__cluster_metadata-0')).filter((f) => f.endsWith('.checkpoint'));
    const offset = await driver.propose([encode('one')]);
    const expected = [snapshotFileName({ endOffset: offset + 1, epoch: 1 })];
    await expect.poll(checkpoints, { timeout: 5000, interval: 10 }).toEqual(expected);
    // Not before the interval (timers may fire a millisecond early).
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(299);
    // Nothing committed since: time alone (more than another interval) writes no further checkpoint.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(checkpoints()).toEqual(expected);
  });

  it('refuses proposals once stopped', async () => {
    const driver = start(tempDir(), new Recorder());
    driver.stop();
    drivers.splice(drivers.indexOf(driver), 1);
    await expect(driver.propose([encode('late')])).rejects.toThrow(/shut down/);
  });
});
