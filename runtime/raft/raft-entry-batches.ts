import { batchViews } from '../../core/protocol/record-batch-header.js';
import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { Reader } from '../../core/protocol/reader.js';
import { Writer } from '../../core/protocol/writer.js';
import { ControlRecordType, controlRecordKey, parseControlRecordKey } from '../../core/protocol/records/control-batch.js';
import { iterateRecords } from '../../core/protocol/records/record-iterator.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { readLeaderChangeMessage, writeLeaderChangeMessage } from '../../core/protocol/generated/messages/leader-change-message.js';
import { EntryKind, type Entry } from '../../core/raft/raft-log.js';
import { decodeMetadataRecords } from '../../core/raft/metadata/metadata-record.js';

/** LeaderChangeMessage version written into leader-change control records (Kafka writes 0). */
const leaderChangeVersion = 0;

/**
 * One Raft entry as one record batch of `__cluster_metadata`, KRaft style: baseOffset is the
 * entry's offset, partitionLeaderEpoch its epoch; a data entry is one record whose value is the
 * framed metadata record, a leader-change entry a control batch with a LeaderChangeMessage.
 */
function entryToBatch(entry: Entry, voters: readonly number[], timestampMs: number): Buffer {
  if (entry.kind === EntryKind.leaderChange) {
    const w = new Writer(64);
    writeLeaderChangeMessage(w, leaderChangeVersion, {
      version: leaderChangeVersion,
      leaderId: -1,
      voters: voters.map((voterId) => ({ voterId, voterDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      grantingVoters: [],
    });
    return buildUncompressedRecordBatch({
      baseOffset: BigInt(entry.offset),
      partitionLeaderEpoch: entry.epoch,
      isControl: true,
      records: [{ key: controlRecordKey(ControlRecordType.leaderChange), value: w.toBuffer(), timestamp: timestampMs }],
    });
  }
  return buildUncompressedRecordBatch({
    baseOffset: BigInt(entry.offset),
    partitionLeaderEpoch: entry.epoch,
    records: [{ key: null, value: Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), timestamp: timestampMs }],
  });
}

export function entriesToBatches(entries: readonly Entry[], voters: readonly number[], timestampMs: number): Buffer {
  return Buffer.concat(entries.map((entry) => entryToBatch(entry, voters, timestampMs)));
}

/** The entries of whole batches in `records` (a torn tail is left out); a batch not shaped as above is a ProtocolError. */
export function batchesToEntries(records: Buffer): Entry[] {
  const entries: Entry[] = [];
  for (const view of batchViews(records, { allowPartialTail: true })) {
    if (view.lastOffsetDelta !== 0 || view.recordsCount !== 1) throw new ProtocolError(`metadata batch at ${view.baseOffset} holds ${view.recordsCount} records, expected 1`, '__cluster_metadata');
    const offset = Number(view.baseOffset);
    const [record] = [...iterateRecords(view)];
    if (record === undefined) throw new ProtocolError(`metadata batch at ${offset} is empty`, '__cluster_metadata');
    if (view.isControl) {
      const key = parseControlRecordKey(record.key);
      if (key.type !== ControlRecordType.leaderChange) throw new ProtocolError(`unexpected control record type ${key.type} at ${offset}`, '__cluster_metadata');
      if (record.value !== null) readLeaderChangeMessage(new Reader(record.value), leaderChangeVersion);
      entries.push({ offset, epoch: view.partitionLeaderEpoch, kind: EntryKind.leaderChange, data: new Uint8Array(0) });
    } else {
      entries.push({ offset, epoch: view.partitionLeaderEpoch, kind: EntryKind.data, data: Buffer.from(record.value ?? Buffer.alloc(0)) });
    }
  }
  return entries;
}

/** A snapshot's content (framed metadata records, as MetadataImage.toSnapshot) as one record batch, the checkpoint file body. */
export function snapshotToBatches(data: Uint8Array, timestampMs: number): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const values: Buffer[] = [];
  let position = 0;
  while (position < buf.length) {
    const length = buf.readUInt32BE(position);
    values.push(buf.subarray(position + 4, position + 4 + length));
    position += 4 + length;
  }
  if (values.length === 0) return Buffer.alloc(0);
  return buildUncompressedRecordBatch({ baseOffset: 0n, records: values.map((value) => ({ key: null, value, timestamp: timestampMs })) });
}

export function batchesToSnapshot(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const view of batchViews(bytes)) {
    if (view.isControl) continue;
    for (const record of iterateRecords(view)) {
      if (record.value === null) continue;
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(record.value.length);
      parts.push(length, Buffer.from(record.value));
    }
  }
  const data = Buffer.concat(parts);
  decodeMetadataRecords(data);
  return data;
}
