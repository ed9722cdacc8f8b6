import { crc32c } from '@node-rs/crc32';
import type { DecompressOptions } from '../compression/decompression-limit.js';
import { compressRecords, type CompressOptions } from '../compression/records-codec.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BatchAttribute,
  BatchField,
  type CompressionCodec,
  type RecordBatchView,
} from '../record-batch-header.js';
import { iterateRecords, recordBytes } from './record-iterator.js';

/**
 * Re-encodes a batch's records with another codec, as a broker does when a
 * topic's compression.type differs from the producer's. Every header field
 * is kept; only the codec bits, batchLength, the records section and the CRC
 * change. The records are decoded once first so malformed input is refused
 * (ProtocolError) rather than re-wrapped. Control batches, which Kafka never
 * compresses, and batches already in `codec` come back as they are (a view).
 */
export async function recompressBatch(
  view: RecordBatchView,
  codec: CompressionCodec,
  options: DecompressOptions & CompressOptions = {},
): Promise<Buffer> {
  if (view.isControl || view.compression === codec) return view.bytes();
  const records = await recordBytes(view, options);
  for (const _record of iterateRecords(view, records)) {
    // decoding is the validation
  }
  return recompressRecords(view, codec, records, options);
}

/**
 * The batch of `view` with its records (`records`, uncompressed, already
 * validated by the caller) compressed with `codec`: header kept, codec bits,
 * batchLength and CRC rewritten.
 */
export async function recompressRecords(view: RecordBatchView, codec: CompressionCodec, records: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  const compressed = await compressRecords(codec, records, options.level === undefined ? {} : { level: options.level });
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  view.buf.copy(batch, 0, view.position, view.position + BATCH_HEADER_SIZE);
  compressed.copy(batch, BATCH_HEADER_SIZE);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt16BE((view.attributes & ~BatchAttribute.compressionMask) | codec, BatchField.attributes);
  batch.writeUInt32BE(crc32c(batch.subarray(BatchField.attributes)) >>> 0, BatchField.crc);
  return batch;
}
