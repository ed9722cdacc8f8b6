import { crc32c } from '@node-rs/crc32';
import { compressRecords } from '../compression/records-codec.js';
import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchField, Compression, type CompressionCodec } from '../record-batch-header.js';
import { buildUncompressedRecordBatch } from '../records/record-batch-builder.js';
import { writeVarint } from '../varint.js';

/**
 * A batch around a records section written by hand (possibly malformed),
 * with a header that is otherwise valid: `recordsCount` and lastOffsetDelta
 * as given, timestamps of `timestampMs`, a correct CRC. What a buggy or
 * hostile client could send.
 */
export async function handMadeBatch(
  records: Buffer,
  options: { count: number; lastOffsetDelta?: number; codec?: CompressionCodec; timestampMs?: number },
): Promise<Buffer> {
  const codec = options.codec ?? Compression.none;
  const section = codec === Compression.none ? records : await compressRecords(codec, records);
  const template = buildUncompressedRecordBatch({ records: [{ value: null, timestamp: options.timestampMs ?? 0 }] });
  const batch = Buffer.alloc(BATCH_HEADER_SIZE + section.length);
  template.copy(batch, 0, 0, BATCH_HEADER_SIZE);
  section.copy(batch, BATCH_HEADER_SIZE);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt16BE(codec, BatchField.attributes);
  batch.writeInt32BE(options.lastOffsetDelta ?? options.count - 1, BatchField.lastOffsetDelta);
  batch.writeInt32BE(options.count, BatchField.recordsCount);
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return batch;
}

/** The record of issue 13: a length varint saying 2^30 with only 20 bytes behind it. */
export function overlongRecord(): Buffer {
  const record = Buffer.alloc(25);
  const end = writeVarint(record, 0, 2 ** 30);
  return record.subarray(0, end + 20);
}

/** One well-formed record (attributes 0, no headers) with the given offset delta, key and value. */
export function handMadeRecord(offsetDelta: number, key: Buffer | null, value: Buffer | null, timestampDelta = 0): Buffer {
  const body = Buffer.alloc(64 + (key?.length ?? 0) + (value?.length ?? 0));
  let position = 1; // attributes
  position = writeVarint(body, position, timestampDelta);
  position = writeVarint(body, position, offsetDelta);
  for (const bytes of [key, value]) {
    position = writeVarint(body, position, bytes === null ? -1 : bytes.length);
    if (bytes !== null) position += bytes.copy(body, position);
  }
  position = writeVarint(body, position, 0);
  const lengthPrefix = Buffer.alloc(5);
  return Buffer.concat([lengthPrefix.subarray(0, writeVarint(lengthPrefix, 0, position)), body.subarray(0, position)]);
}
