import { describe, expect, it } from 'vitest';
import { DeterministicSystem } from '../../core/actors/deterministic-system.js';
import { defaultLogConfig } from '../../core/log/log-config.js';
import { MemoryFileSystem } from '../../core/log/memory-file-system.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { PartitionActor, type PartitionActorArgs } from './partition-actor.js';
import type { AppendReply, PartitionState } from './partition-messages.js';

const HOUSEKEEPING_MS = 1_000;

/** A compacted partition's actor on the deterministic system: segments of two one-record batches, cleaned whenever dirty. */
function compactedPartition(seed: number) {
  const system = new DeterministicSystem({ seed });
  const fs = new MemoryFileSystem();
  fs.mkdir('/kafka-logs');
  const args: PartitionActorArgs = {
    logDir: '/kafka-logs',
    topic: 'state',
    partition: 0,
    brokerId: 1,
    leadership: { leaderEpoch: 0, replicas: [1], isr: [1], leaderId: 1, partitionEpoch: 0 },
    logConfig: { ...defaultLogConfig, segmentBytes: 150, cleanupPolicy: { delete: false, compact: true }, minCleanableDirtyRatio: 0 },
    settings: { compressionType: 'producer', minInsyncReplicas: 1 },
    cleanerEnabled: true,
    housekeepingIntervalMs: HOUSEKEEPING_MS,
  };
  system.spawn({ name: 'state-0', factory: (a, recovery, ctx) => new PartitionActor(a as PartitionActorArgs, recovery, ctx, { fs }), args });
  const ask = async <Reply>(body: unknown, payload?: Buffer): Promise<Reply> => {
    const answer = system.ask<Reply>('state-0', body, payload === undefined ? {} : { payload });
    await system.runUntilIdle();
    return (await answer).body;
  };
  const append = (keys: string, tag: string) => Promise.all([...keys].map((key) => ask<AppendReply>({ op: 'append', acks: 1 }, buildUncompressedRecordBatch({ records: [{ key: Buffer.from(key), value: Buffer.from(`${key}${tag}`), timestamp: system.clock.nowMs() }] }))));
  /** Moves the clock to the next housekeeping and delivers only it: a cleaning round starts and parks at its first step. */
  const startHousekeeping = async () => {
    system.clock.advance(system.clock.nextDueMs()! - system.clock.nowMs());
    await system.runUntilIdle();
  };
  return { system, fs, ask, append, startHousekeeping, state: () => ask<PartitionState>({ op: 'offsets' }) };
}

describe('PartitionActor on the deterministic scheduler', () => {
  it('runs a cleaning round in steps on its context timers, with appends answered between the steps', async () => {
    const p = compactedPartition(3);
    expect((await p.append('abababab', '1')).map((r) => r.errorCode)).toEqual(Array(8).fill(ErrorCode.NONE));
    expect(await p.state()).toMatchObject({ logEndOffset: 8, highWatermark: 8, cleanerOffset: null });
    await p.startHousekeeping();
    // The round waits for its cleanerStep message, due now: no time passes, so it stays parked...
    expect(p.system.clock.nextDueMs()).toBe(p.system.clock.nowMs());
    // ...and appends and reads are answered meanwhile.
    const during = await p.append('c', '1');
    expect(during[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 8 });
    expect((await p.state()).cleanerOffset).toBeNull();
    // Its steps run as the clock delivers them: segments 0-5 are cleaned, the dirty section starts at 6.
    await p.system.runFor(0);
    expect((await p.state()).cleanerOffset).toBe(6);
  });

  it('deletes its log while a round is parked at a step, without waiting for the round', async () => {
    const p = compactedPartition(9);
    await p.append('abababab', '1');
    await p.startHousekeeping();
    expect((await p.state()).cleanerOffset).toBeNull();
    // The round gives up at once (its step is refused), so the delete is answered with no time passing.
    const deleted = p.system.ask('state-0', { op: 'delete' });
    await p.system.runUntilIdle();
    await expect(deleted).resolves.toMatchObject({ body: null });
    expect(p.fs.exists('/kafka-logs/state-0')).toBe(false);
    expect(await p.append('a', '2')).toMatchObject([{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: 'the partition was deleted' }]);
  });
});
