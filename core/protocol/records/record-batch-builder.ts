import { crc32c } from '@node-rs/crc32';
import { compressRecords } from '../compression/records-codec.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BatchAttribute,
  BatchField,
  Compression,
  CURRENT_MAGIC,
  type CompressionCodec,
} from '../record-batch-header.js';
import { varintSize, varlongSize, writeVarint, writeVarlong } from '../varint.js';
import type { RecordHeader } from './kafka-record.js';

export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeader[];
  timestamp: bigint | number;
  /** Defaults to the previous record's offsetDelta + 1 (0 for the first). */
  offsetDelta?: number;
}

export interface RecordBatchInput {
  records: RecordInput[];
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  compression?: CompressionCodec;
  compressionLevel?: number;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** Required with LogAppendTime: written as maxTimestamp, which readers report for every record. */
  logAppendTime?: bigint | number;
  /** KIP-534 (the log cleaner): sets the delete-horizon flag and writes this as baseTimestamp, record timestamps relative to it. */
  deleteHorizonMs?: bigint;
}

/** Builds a complete magic-v2 batch, compressing the records when asked. */
export async function buildRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  const compression = input.compression ?? Compression.none;
  if (compression === Compression.none) return buildUncompressedRecordBatch(input);
  const layout = layoutRecords(input.records, input.deleteHorizonMs);
  const records = Buffer.allocUnsafe(layout.totalSize);
  encodeRecords(input.records, layout, records, 0);
  const level = input.compressionLevel;
  const compressed = await compressRecords(compression, records, level === undefined ? {} : { level });
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  compressed.copy(batch, BATCH_HEADER_SIZE);
  return finishBatch(batch, input, layout);
}

/** The synchronous path for state machines and control batches, which Kafka never compresses. */
export function buildUncompressedRecordBatch(input: RecordBatchInput): Buffer {
  if ((input.compression ?? Compression.none) !== Compression.none) {
    throw new Error('buildUncompressedRecordBatch: use buildRecordBatch to compress');
  }
  const layout = layoutRecords(input.records, input.deleteHorizonMs);
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + layout.totalSize);
  encodeRecords(input.records, layout, batch, BATCH_HEADER_SIZE);
  return finishBatch(batch, input, layout);
}

interface RecordsLayout {
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  offsetDeltas: number[];
  bodySizes: number[];
  totalSize: number;
}

function layoutRecords(records: RecordInput[], deleteHorizonMs: bigint | undefined): RecordsLayout {
  const baseTimestamp = deleteHorizonMs ?? (records.length === 0 ? -1n : BigInt(records[0]!.timestamp));
  let maxTimestamp = -1n;
  let previousDelta = -1;
  const offsetDeltas: number[] = [];
  const bodySizes: number[] = [];
  let totalSize = 0;
  for (const record of records) {
    const timestamp = BigInt(record.timestamp);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offsetDelta = record.offsetDelta ?? previousDelta + 1;
    if (!Number.isInteger(offsetDelta) || offsetDelta <= previousDelta || offsetDelta > 0x7fffffff) {
      throw new RangeError(`offsetDelta ${offsetDelta} must be an int32 above the previous ${previousDelta}`);
    }
    previousDelta = offsetDelta;
    let size = 1 + varlongSize(timestamp - baseTimestamp) + varintSize(offsetDelta);
    size += nullableBytesSize(record.key) + nullableBytesSize(record.value);
    const headers = record.headers ?? [];
    size += varintSize(headers.length);
    for (const header of headers) {
      const keyLength = Buffer.byteLength(header.key, 'utf8');
      size += varintSize(keyLength) + keyLength + nullableBytesSize(header.value);
    }
    offsetDeltas.push(offsetDelta);
    bodySizes.push(size);
    totalSize += varintSize(size) + size;
  }
  return { baseTimestamp, maxTimestamp, offsetDeltas, bodySizes, totalSize };
}

function nullableBytesSize(bytes: Buffer | null | undefined): number {
  return bytes == null ? 1 : varintSize(bytes.length) + bytes.length;
}

function encodeRecords(records: RecordInput[], layout: RecordsLayout, out: Buffer, start: number): void {
  let position = start;
  records.forEach((record, index) => {
    position = writeVarint(out, position, layout.bodySizes[index]!);
    out[position++] = 0; // record attributes: unused
    position = writeVarlong(out, position, BigInt(record.timestamp) - layout.baseTimestamp);
    position = writeVarint(out, position, layout.offsetDeltas[index]!);
    position = writeNullableBytes(out, position, record.key);
    position = writeNullableBytes(out, position, record.value);
    const headers = record.headers ?? [];
    position = writeVarint(out, position, headers.length);
    for (const header of headers) {
      const keyLength = Buffer.byteLength(header.key, 'utf8');
      position = writeVarint(out, position, keyLength);
      position += out.write(header.key, position, keyLength, 'utf8');
      position = writeNullableBytes(out, position, header.value);
    }
  });
}

function writeNullableBytes(out: Buffer, position: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarint(out, position, -1);
  const after = writeVarint(out, position, bytes.length);
  bytes.copy(out, after);
  return after + bytes.length;
}

/** Writes the header in front of the records section already in `batch`, CRC last. */
function finishBatch(batch: Buffer, input: RecordBatchInput, layout: RecordsLayout): Buffer {
  const logAppend = input.timestampType === 'LogAppendTime';
  if (logAppend && input.logAppendTime === undefined) throw new Error('LogAppendTime needs logAppendTime');
  let attributes = input.compression ?? Compression.none;
  if (logAppend) attributes |= BatchAttribute.logAppendTime;
  if (input.isTransactional) attributes |= BatchAttribute.transactional;
  if (input.isControl) attributes |= BatchAttribute.control;
  if (input.deleteHorizonMs !== undefined) attributes |= BatchAttribute.deleteHorizon;
  const deltas = layout.offsetDeltas;
  batch.writeBigInt64BE(input.baseOffset ?? 0n, BatchField.baseOffset);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt32BE(input.partitionLeaderEpoch ?? -1, BatchField.partitionLeaderEpoch);
  batch.writeInt8(CURRENT_MAGIC, BatchField.magic);
  batch.writeInt16BE(attributes, BatchField.attributes);
  batch.writeInt32BE(deltas.length === 0 ? 0 : deltas[deltas.length - 1]!, BatchField.lastOffsetDelta);
  batch.writeBigInt64BE(layout.baseTimestamp, BatchField.baseTimestamp);
  batch.writeBigInt64BE(logAppend ? BigInt(input.logAppendTime!) : layout.maxTimestamp, BatchField.maxTimestamp);
  batch.writeBigInt64BE(input.producerId ?? -1n, BatchField.producerId);
  batch.writeInt16BE(input.producerEpoch ?? -1, BatchField.producerEpoch);
  batch.writeInt32BE(input.baseSequence ?? -1, BatchField.baseSequence);
  batch.writeInt32BE(input.records.length, BatchField.recordsCount);
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return batch;
}
