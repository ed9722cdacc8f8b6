import { ProtocolError } from '../protocol-error.js';
import { buildUncompressedRecordBatch } from './record-batch-builder.js';

/** The type in a control record's key. Types 2–6 carry the KRaft `data` schemas as values. */
export const ControlRecordType = {
  abort: 0,
  commit: 1,
  leaderChange: 2,
  snapshotHeader: 3,
  snapshotFooter: 4,
  kraftVersion: 5,
  kraftVoters: 6,
} as const;
export type ControlRecordTypeId = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VERSION = 0;
const END_TXN_MARKER_SIZE = 6;

export interface ControlRecordKey {
  version: number;
  /** One of ControlRecordType, or another number for a type newer than this code (Kafka's UNKNOWN). */
  type: number;
}

export function controlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** As Java's ControlRecordType.parse: a newer key version is read by its first two fields. */
export function parseControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new ProtocolError(`control record key needs ${CONTROL_KEY_SIZE} bytes, got ${key?.length ?? 'null'}`, 'records.key');
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolError(`control record key version ${version}`, 'records.key');
  return { version, type: key.readInt16BE(2) };
}

export function isKnownControlRecordType(type: number): type is ControlRecordTypeId {
  return type >= ControlRecordType.abort && type <= ControlRecordType.kraftVoters;
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

function endTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_SIZE);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function parseEndTxnMarker(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_SIZE) {
    throw new ProtocolError(`transaction marker value needs ${END_TXN_MARKER_SIZE} bytes, got ${value?.length ?? 'null'}`, 'records.value');
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new ProtocolError(`transaction marker version ${version}`, 'records.value');
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchInput {
  type: 'commit' | 'abort';
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestamp: bigint | number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
}

/** The one-record, transactional control batch that WriteTxnMarkers appends to a partition. */
export function buildEndTxnMarkerBatch(input: EndTxnMarkerBatchInput): Buffer {
  const type = input.type === 'commit' ? ControlRecordType.commit : ControlRecordType.abort;
  return buildUncompressedRecordBatch({
    records: [{ key: controlRecordKey(type), value: endTxnMarkerValue(input.coordinatorEpoch), timestamp: input.timestamp }],
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
  });
}
