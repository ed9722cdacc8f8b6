import { decompressRecords, decompressRecordsSync } from '../compression/records-codec.js';
import type { DecompressOptions } from '../compression/decompression-limit.js';
import { ErrorCode } from '../generated/error-codes.js';
import { ProtocolError } from '../protocol-error.js';
import type { RecordBatchView } from '../record-batch-header.js';
import { storedRecordBytes } from './record-iterator.js';
import { checkBatchCounts, validateRecords, type InvalidRecords, type RecordRules } from './record-validator.js';

/**
 * A produced batch's header counts and every record in it, decompressing a
 * compressed one first (once, bounded; never recompressed), as Kafka's
 * LogValidator does. Null when the batch may be appended.
 */
export async function validateBatch(view: RecordBatchView, rules: RecordRules, options?: DecompressOptions): Promise<InvalidRecords | null> {
  const validated = validateBatchSync(view, rules, options);
  if (validated !== undefined) return validated;
  const result = await validateBatchRecords(view, rules, options);
  return 'errorCode' in result ? result : null;
}

/**
 * validateBatch for a batch about to be recompressed: the records' uncompressed
 * bytes it read come back with a pass, so they are decompressed once.
 */
export async function validateBatchRecords(view: RecordBatchView, rules: RecordRules, options?: DecompressOptions): Promise<InvalidRecords | { records: Buffer }> {
  const counts = checkBatchCounts(view, rules.topicPartition, rules.origin);
  if (counts !== null) return counts;
  let records: Buffer;
  try {
    records = await decompressRecords(view.compression, storedRecordBytes(view), options);
  } catch (error) {
    return undecompressable(error);
  }
  return validateRecords(view, records, rules) ?? { records };
}

/**
 * validateBatch without a promise; undefined when the codec can only be
 * decompressed asynchronously (zstd on a Node without zlib zstd). The
 * records are read at once, so a codec may decompress into a reused buffer.
 */
export function validateBatchSync(view: RecordBatchView, rules: RecordRules, options?: DecompressOptions): InvalidRecords | null | undefined {
  const counts = checkBatchCounts(view, rules.topicPartition, rules.origin);
  if (counts !== null) return counts;
  let bytes: Buffer | undefined;
  try {
    bytes = decompressRecordsSync(view.compression, storedRecordBytes(view), { ...options, reuseOutput: true });
  } catch (error) {
    return undecompressable(error);
  }
  return bytes === undefined ? undefined : validateRecords(view, bytes, rules);
}

function undecompressable(error: unknown): InvalidRecords {
  if (!(error instanceof ProtocolError)) throw error;
  return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: error.message, recordErrors: [] };
}
