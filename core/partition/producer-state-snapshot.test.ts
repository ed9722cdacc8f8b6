import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { PartitionLeader } from './partition-leader.js';
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  readLatestProducerSnapshot,
  snapshotFileName,
  writeProducerSnapshot,
  type ProducerSnapshotEntry,
} from './producer-state-snapshot.js';

const NOW = 1_700_000_000_000;
const DIR = '/data/orders-0';

const entry: ProducerSnapshotEntry = { producerId: 0x0102030405060708n, producerEpoch: 3, lastSequence: 41, lastOffset: 900n, offsetDelta: 9, timestampMs: NOW };

function openLeader(fs: MemoryFileSystem) {
  const log = PartitionLog.open({ dir: '/data', topic: 'orders', partition: 0, config: { ...defaultLogConfig }, fs, clock: { nowMs: () => NOW } });
  const leader = new PartitionLeader(log, 1, { leaderEpoch: 0, replicas: [1], isr: [1] }, { compressionType: 'producer', minInsyncReplicas: 1 }, fs);
  return { log, leader };
}

const batch = (producerId: bigint, baseSequence: number, values: string[]): Buffer =>
  buildUncompressedRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v), timestamp: NOW })), producerId, producerEpoch: 0, baseSequence });

const snapshots = (fs: MemoryFileSystem): string[] => fs.list(DIR).filter((name) => name.endsWith('.snapshot'));

describe('producer snapshots', () => {
  it("encode Kafka's version-1 layout: version, CRC-32C of the entries, count, 46-byte entries", () => {
    const bytes = encodeProducerSnapshot([entry]);
    expect(bytes.length).toBe(2 + 4 + 4 + 46);
    expect(bytes.readInt16BE(0)).toBe(1);
    expect(bytes.readUInt32BE(2)).toBe(crc32c(bytes.subarray(6)) >>> 0);
    expect(bytes.readInt32BE(6)).toBe(1);
    expect(bytes.subarray(10, 18).toString('hex')).toBe('0102030405060708');
    expect([bytes.readInt16BE(18), bytes.readInt32BE(20), bytes.readBigInt64BE(24), bytes.readInt32BE(32), bytes.readBigInt64BE(36)]).toEqual([3, 41, 900n, 9, BigInt(NOW)]);
    // No transaction: coordinator epoch and first transactional offset are -1.
    expect([bytes.readInt32BE(44), bytes.readBigInt64BE(48)]).toEqual([-1, -1n]);
    expect(decodeProducerSnapshot(bytes)).toEqual([entry]);
  });

  it('refuse a flipped bit, a short file and another version with the typed codec error', () => {
    const bytes = encodeProducerSnapshot([entry]);
    const flipped = Buffer.from(bytes);
    flipped[30]! ^= 1;
    const otherVersion = Buffer.from(bytes);
    otherVersion.writeInt16BE(2, 0);
    for (const bad of [flipped, bytes.subarray(0, 20), otherVersion]) expect(() => decodeProducerSnapshot(bad)).toThrow(ProtocolError);
  });

  it('written at a clean shutdown, spare the next open the replay and still find the last batch a duplicate', () => {
    const fs = new MemoryFileSystem();
    const first = openLeader(fs);
    for (let i = 0; i < 3; i++) first.leader.appendSync(batch(7n, i * 2, [`a${i}`, `b${i}`]), NOW, 1);
    expect(first.leader.writeProducerSnapshot()).toBe(true);
    first.log.close();
    expect(fs.list(DIR)).toContain(snapshotFileName(6n));

    const { log, leader } = openLeader(fs);
    expect(leader.producerStateReplay).toEqual({ fromOffset: 6n, batches: 0, snapshotOffset: 6n });
    expect(leader.appendSync(batch(7n, 4, ['a2', 'b2']), NOW, 1)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 4n, recordCount: 0 });
    expect(leader.appendSync(batch(7n, 7, ['gap']), NOW, 1)!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(leader.appendSync(batch(7n, 6, ['c']), NOW, 1)!.baseOffset).toBe(6n);
    expect(log.logEndOffset).toBe(7n);
  });

  it('outlive the open, but after a kill -9 in the next run only those at or below the recovery point are trusted', () => {
    const fs = new MemoryFileSystem();
    const first = openLeader(fs);
    first.leader.appendSync(batch(7n, 0, ['a']), NOW, 1);
    first.leader.writeProducerSnapshot();
    first.log.close();
    const second = openLeader(fs);
    expect(second.leader.producerStateReplay).toEqual({ fromOffset: 1n, batches: 0, snapshotOffset: 1n });
    expect(snapshots(fs)).toEqual([snapshotFileName(1n)]);
    second.leader.appendSync(batch(7n, 1, ['b']), NOW, 1);
    second.leader.appendSync(batch(8n, 0, ['c']), NOW, 1);
    fs.crashProcess();

    // No recovery point: the whole log is recovered, so the snapshot at 1 goes unread.
    const { leader } = openLeader(fs);
    expect(leader.producerStateReplay).toEqual({ fromOffset: 0n, batches: 3, snapshotOffset: null });
    expect(snapshots(fs)).toEqual([]);
    expect(leader.appendSync(batch(7n, 1, ['b']), NOW, 1)).toMatchObject({ baseOffset: 1n, recordCount: 0 });
    expect(leader.appendSync(batch(8n, 0, ['c']), NOW, 1)).toMatchObject({ baseOffset: 2n, recordCount: 0 });
    expect(leader.appendSync(batch(7n, 0, ['a']), NOW, 1)).toMatchObject({ baseOffset: 0n, recordCount: 0 });
  });

  it('are ignored past the log end, and removed when unreadable: the log decides', () => {
    const fs = new MemoryFileSystem();
    const { log, leader } = openLeader(fs);
    leader.appendSync(batch(7n, 0, ['a']), NOW, 1);
    log.close();
    writeProducerSnapshot(fs, DIR, { offset: 50n, entries: [{ ...entry, producerId: 7n, lastSequence: 40, lastOffset: 49n, offsetDelta: 0 }] }, { durable: true });
    const reopened = openLeader(fs);
    expect(reopened.leader.producerStateReplay).toEqual({ fromOffset: 0n, batches: 1, snapshotOffset: null });
    expect(snapshots(fs)).toEqual([]);
    expect(reopened.leader.appendSync(batch(7n, 1, ['b']), NOW, 1)!.baseOffset).toBe(1n);

    writeProducerSnapshot(fs, DIR, { offset: 50n, entries: [entry] }, { durable: true });
    const corrupt = fs.open(`${DIR}/${snapshotFileName(50n)}`);
    corrupt.write(Buffer.from([0xff]), 0, 1, 20);
    corrupt.close();
    expect(readLatestProducerSnapshot(fs, DIR)).toBeNull();
    expect(snapshots(fs)).toEqual([]);
  });
});
