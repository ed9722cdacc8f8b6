import { crc32c } from '@node-rs/crc32';
import { joinPath, readWholeFile, type LogFileSystem } from '../log/log-file-system.js';
import { ProtocolError } from '../protocol/protocol-error.js';

/**
 * Kafka's producer snapshot file (`internal/storage/ProducerSnapshot.json`,
 * version 1, not flexible), named `<offset, 20 digits>.snapshot` in the
 * partition's directory: the producers as of that offset, one entry each
 * with its last batch.
 *
 * ```
 * version int16 (1) | crc uint32 (CRC-32C of the rest) | count int32 | count × entry
 * entry: producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 |
 *        offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
 * ```
 */
export const SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
const CRC_POSITION = 2;
const ENTRIES_POSITION = 6;
const ENTRY_SIZE = 46;
const NO_COORDINATOR_EPOCH = -1;
const NO_TXN_FIRST_OFFSET = -1n;

export interface ProducerSnapshotEntry {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastOffset: bigint;
  /** lastSequence - firstSequence of the last batch (also lastOffset - firstOffset). */
  readonly offsetDelta: number;
  readonly timestampMs: number;
  /** The first offset of the producer's ongoing transaction (absent: none). */
  readonly currentTxnFirstOffset?: bigint;
  /** The coordinator epoch of its last transaction marker (absent: none). */
  readonly coordinatorEpoch?: number;
}

export interface ProducerSnapshot {
  /** The log end offset the entries are the state at. */
  readonly offset: bigint;
  readonly entries: readonly ProducerSnapshotEntry[];
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(ENTRIES_POSITION + 4 + entries.length * ENTRY_SIZE);
  buf.writeInt16BE(VERSION, 0);
  let at = buf.writeInt32BE(entries.length, ENTRIES_POSITION);
  for (const entry of entries) {
    at = buf.writeBigInt64BE(entry.producerId, at);
    at = buf.writeInt16BE(entry.producerEpoch, at);
    at = buf.writeInt32BE(entry.lastSequence, at);
    at = buf.writeBigInt64BE(entry.lastOffset, at);
    at = buf.writeInt32BE(entry.offsetDelta, at);
    at = buf.writeBigInt64BE(BigInt(entry.timestampMs), at);
    at = buf.writeInt32BE(entry.coordinatorEpoch ?? NO_COORDINATOR_EPOCH, at);
    at = buf.writeBigInt64BE(entry.currentTxnFirstOffset ?? NO_TXN_FIRST_OFFSET, at);
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_POSITION)) >>> 0, CRC_POSITION);
  return buf;
}

/** Throws ProtocolError for anything but an intact version-1 snapshot. */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] {
  const context = 'ProducerSnapshot';
  if (buf.length < ENTRIES_POSITION + 4) throw new ProtocolError(`${buf.length} bytes is too short`, context);
  const version = buf.readInt16BE(0);
  if (version !== VERSION) throw new ProtocolError(`version ${version} is not supported`, context);
  if ((crc32c(buf.subarray(ENTRIES_POSITION)) >>> 0) !== buf.readUInt32BE(CRC_POSITION)) throw new ProtocolError('CRC mismatch', context);
  const count = buf.readInt32BE(ENTRIES_POSITION);
  if (count < 0 || ENTRIES_POSITION + 4 + count * ENTRY_SIZE !== buf.length) throw new ProtocolError(`${count} entries in ${buf.length} bytes`, context);
  const entries: ProducerSnapshotEntry[] = [];
  for (let at = ENTRIES_POSITION + 4; at < buf.length; at += ENTRY_SIZE) {
    const currentTxnFirstOffset = buf.readBigInt64BE(at + 38);
    const coordinatorEpoch = buf.readInt32BE(at + 34);
    entries.push({
      producerId: buf.readBigInt64BE(at),
      producerEpoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: buf.readBigInt64BE(at + 14),
      offsetDelta: buf.readInt32BE(at + 22),
      timestampMs: Number(buf.readBigInt64BE(at + 26)),
      ...(currentTxnFirstOffset === NO_TXN_FIRST_OFFSET ? {} : { currentTxnFirstOffset }),
      ...(coordinatorEpoch === NO_COORDINATOR_EPOCH ? {} : { coordinatorEpoch }),
    });
  }
  return entries;
}

export function snapshotFileName(offset: bigint): string {
  return `${offset.toString().padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The offsets of the snapshot files in `dir`, ascending. */
export function producerSnapshotOffsets(fs: LogFileSystem, dir: string): bigint[] {
  const offsets: bigint[] = [];
  for (const name of fs.list(dir)) {
    const match = /^(\d{20})\.snapshot$/.exec(name);
    if (match !== null) offsets.push(BigInt(match[1]!));
  }
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Writes the snapshot through a `.tmp` file renamed into place (the log
 * removes `.tmp` leftovers on open). `durable` syncs file and directory (the
 * clean-shutdown snapshot); a roll's snapshot is synced later with its segment
 * (syncProducerSnapshots), as Kafka keeps fsync off the append path.
 */
export function writeProducerSnapshot(fs: LogFileSystem, dir: string, snapshot: ProducerSnapshot, options: { durable: boolean }): void {
  const path = joinPath(dir, snapshotFileName(snapshot.offset));
  const file = fs.open(`${path}.tmp`, { create: true });
  try {
    const bytes = encodeProducerSnapshot(snapshot.entries);
    file.truncate(0);
    file.write(bytes, 0, bytes.length, 0);
    if (options.durable) file.sync();
  } finally {
    file.close();
  }
  fs.rename(`${path}.tmp`, path);
  if (options.durable) fs.syncDirectory(dir);
}

/** Makes unsynced snapshots durable (those since removed are skipped), as Kafka's flush-log task does before syncing the rolled segment. */
export function syncProducerSnapshots(fs: LogFileSystem, dir: string, offsets: readonly bigint[]): void {
  for (const offset of offsets) {
    const path = joinPath(dir, snapshotFileName(offset));
    if (!fs.exists(path)) continue;
    const file = fs.open(path);
    try {
      file.sync();
    } finally {
      file.close();
    }
  }
  fs.syncDirectory(dir);
}

/**
 * The newest readable snapshot; unreadable ones met on the way are removed
 * (as Kafka's loadFromSnapshot falls back to the next older one, or to the log).
 */
export function readLatestProducerSnapshot(fs: LogFileSystem, dir: string): ProducerSnapshot | null {
  for (const offset of producerSnapshotOffsets(fs, dir).reverse()) {
    const path = joinPath(dir, snapshotFileName(offset));
    try {
      return { offset, entries: decodeProducerSnapshot(readWholeFile(fs, path)) };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      fs.unlink(path);
    }
  }
  return null;
}

/** Removes the snapshots whose offset matches (ones that no longer describe the log must not be read). */
export function deleteProducerSnapshots(fs: LogFileSystem, dir: string, matches: (offset: bigint) => boolean): void {
  for (const offset of producerSnapshotOffsets(fs, dir)) if (matches(offset)) fs.unlink(joinPath(dir, snapshotFileName(offset)));
}

/**
 * Kafka's removeStraySnapshots: a snapshot belongs to the segment starting at
 * its offset; others are leftovers, except the newest one when it lies past
 * the last segment's base (the clean-shutdown snapshot at the log end).
 */
export function removeStrayProducerSnapshots(fs: LogFileSystem, dir: string, segmentBaseOffsets: readonly bigint[]): void {
  const bases = new Set(segmentBaseOffsets);
  const lastBase = segmentBaseOffsets.at(-1) ?? -1n;
  const strays = producerSnapshotOffsets(fs, dir).filter((offset) => !bases.has(offset));
  const newest = strays.at(-1);
  for (const offset of strays) if (offset !== newest || offset < lastBase) fs.unlink(joinPath(dir, snapshotFileName(offset)));
}
