import { decompressRecords } from '../compression/records-codec.js';
import type { DecompressOptions } from '../compression/decompression-limit.js';
import { ProtocolError } from '../protocol-error.js';
import { BATCH_HEADER_SIZE, Compression, type RecordBatchView } from '../record-batch-header.js';
import { readVarint, readVarlong, type Cursor } from '../varint.js';
import type { KafkaRecord, RecordHeader } from './kafka-record.js';

const PATH = 'records';

/** The batch's records bytes as stored (compressed when the attributes say so): a view, not a copy. */
export function storedRecordBytes(view: RecordBatchView): Buffer {
  return view.buf.subarray(view.position + BATCH_HEADER_SIZE, view.position + view.sizeInBytes);
}

/** The batch's records bytes, decompressed when needed and bounded by `maxDecompressedBytes`. */
export async function recordBytes(view: RecordBatchView, options?: DecompressOptions): Promise<Buffer> {
  return decompressRecords(view.compression, storedRecordBytes(view), options);
}

/** Decompresses once, then decodes records lazily as the caller iterates. */
export async function batchRecords(view: RecordBatchView, options?: DecompressOptions): Promise<Generator<KafkaRecord>> {
  return iterateRecords(view, await recordBytes(view, options));
}

/**
 * Decodes the records of a batch one at a time from its uncompressed records
 * bytes (by default the stored bytes of an uncompressed batch). Every length
 * is checked against the bytes left; bad input raises ProtocolError, possibly
 * only when iteration reaches it.
 */
export function* iterateRecords(view: RecordBatchView, bytes?: Buffer): Generator<KafkaRecord> {
  if (bytes === undefined) {
    if (view.compression !== Compression.none) throw new Error('iterateRecords: a compressed batch needs its decompressed bytes');
    bytes = storedRecordBytes(view);
  }
  const count = view.recordsCount;
  if (count < 0) throw new ProtocolError(`negative record count ${count}`, PATH);
  const baseOffset = view.baseOffset;
  const baseTimestamp = view.baseTimestamp;
  const logAppendTime = view.timestampType === 'LogAppendTime' ? view.maxTimestamp : null;
  const cursor: Cursor = { position: 0 };
  for (let index = 0; index < count; index++) {
    const record = readRecord(bytes, cursor, index);
    record.offset = baseOffset + BigInt(record.offsetDelta);
    record.timestamp = logAppendTime ?? baseTimestamp + record.timestampDelta;
    yield record;
  }
  if (cursor.position !== bytes.length) {
    throw new ProtocolError(`${bytes.length - cursor.position} bytes left after the last of ${count} records`, PATH);
  }
}

/** Adds the record's index to an error's path; paths are built only on failure, never per record. */
function readRecord(buf: Buffer, cursor: Cursor, index: number): KafkaRecord {
  try {
    return readRecordFields(buf, cursor);
  } catch (error) {
    if (error instanceof ProtocolError) throw new ProtocolError(error.message, `${PATH}[${index}]`);
    throw error;
  }
}

function readRecordFields(buf: Buffer, cursor: Cursor): KafkaRecord {
  const length = readVarint(buf, cursor);
  if (length < 1 || length > buf.length - cursor.position) {
    throw new ProtocolError(`record length ${length} with ${buf.length - cursor.position} bytes left`);
  }
  const end = cursor.position + length;
  const attributes = buf.readInt8(cursor.position++);
  const timestampDelta = readVarlong(buf, cursor, end);
  const offsetDelta = readVarint(buf, cursor, end);
  const key = readNullableBytes(buf, cursor, end, 'key');
  const value = readNullableBytes(buf, cursor, end, 'value');
  const headerCount = readVarint(buf, cursor, end);
  // A header takes at least 2 bytes: refuse a count the bytes cannot hold before allocating.
  if (headerCount < 0 || headerCount * 2 > end - cursor.position) {
    throw new ProtocolError(`header count ${headerCount} with ${end - cursor.position} bytes left`);
  }
  const headers: RecordHeader[] = new Array<RecordHeader>(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const headerKey = readNullableBytes(buf, cursor, end, 'header key');
    if (headerKey === null) throw new ProtocolError(`header ${i} has a null key`);
    headers[i] = { key: headerKey.toString('utf8'), value: readNullableBytes(buf, cursor, end, 'header value') };
  }
  if (cursor.position !== end) throw new ProtocolError(`record length ${length} does not match its fields`);
  return { offset: 0n, offsetDelta, timestamp: 0n, timestampDelta, attributes, key, value, headers };
}

function readNullableBytes(buf: Buffer, cursor: Cursor, end: number, field: string): Buffer | null {
  const length = readVarint(buf, cursor, end);
  if (length === -1) return null;
  if (length < -1 || length > end - cursor.position) {
    throw new ProtocolError(`${field} length ${length} with ${end - cursor.position} bytes left`);
  }
  const bytes = buf.subarray(cursor.position, cursor.position + length);
  cursor.position += length;
  return bytes;
}
