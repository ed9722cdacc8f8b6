import { ErrorCode } from '../generated/error-codes.js';
import { RecordBatchView } from '../record-batch-header.js';

/** What a topic asks of every produced record (Kafka's LogValidator inputs). */
/**
 * Kafka's AppendOrigin: who wrote the batch. A coordinator's own writes (a
 * transactional offset commit in __consumer_offsets) carry the producer's id
 * and epoch without a sequence, which a client's batch may not.
 */
export type AppendOrigin = 'client' | 'coordinator';

export interface RecordRules {
  /** `<topic>-<partition>`, for the messages. */
  readonly topicPartition: string;
  /** cleanup.policy includes compact: a record without a key could never be compacted away. */
  readonly keyRequired: boolean;
  /** message.timestamp.type */
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms / after.max.ms (Infinity for Kafka's Long.MAX_VALUE). */
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
  readonly nowMs: number;
  readonly origin: AppendOrigin;
}

/** One refused record: Produce v8+ `record_errors`. */
export interface RecordError {
  readonly batchIndex: number;
  readonly batchIndexErrorMessage: string | null;
}

export interface InvalidRecords {
  /** INVALID_RECORD, or INVALID_TIMESTAMP when a timestamp is among the errors (as Kafka). */
  readonly errorCode: number;
  readonly errorMessage: string;
  readonly recordErrors: readonly RecordError[];
}

/**
 * Refuses a produced batch whose header counts are inconsistent (Kafka's
 * LogValidator.validateBatch for a client's batch): count > 0, offsets
 * 0..lastOffsetDelta matching the count, a sequence for a producer id.
 */
export function checkBatchCounts(view: RecordBatchView, topicPartition: string, origin: AppendOrigin = 'client'): InvalidRecords | null {
  const count = view.recordsCount;
  const lastOffsetDelta = view.lastOffsetDelta;
  const range = (): string => `[${view.baseOffset}, ${view.baseOffset + BigInt(lastOffsetDelta)}]`;
  if (lastOffsetDelta < 0) return invalidBatch(`Batch has an invalid offset range: ${range()} in topic partition ${topicPartition}`);
  if (count <= 0) return invalidBatch(`Invalid reported count for record batch: ${count} in topic partition ${topicPartition}`);
  if (lastOffsetDelta + 1 !== count) return invalidBatch(`Inconsistent batch offset range ${range()} and count of records ${count} in topic partition ${topicPartition}`);
  if (origin === 'client' && view.producerId >= 0n && view.baseSequence < 0) {
    return invalidBatch(`Invalid sequence number ${view.baseSequence} in record batch with producerId ${view.producerId} in topic partition ${topicPartition}`);
  }
  return null;
}

/**
 * Walks the records of a batch (`bytes`: its uncompressed records section)
 * once, without allocating unless something is wrong. Structure, as Kafka's
 * DefaultRecord.readFrom: record length, varints no longer than their type,
 * key/value/header lengths within the record, a record consumed exactly by
 * its fields, exactly `recordsCount` records; and offset deltas 0, 1, 2…
 * (what lastOffsetDelta and the consumers' offsets assume). The first
 * structural fault stops the walk. Then per record, collecting every fault
 * as Kafka's LogValidator.validateRecord does: a key on a compacted topic,
 * CreateTime timestamps within message.timestamp.before/after.max.ms, no
 * LogAppendTime set by the producer where the topic does not set it.
 */
export function validateRecords(view: RecordBatchView, bytes: Buffer, rules: RecordRules): InvalidRecords | null {
  const count = view.recordsCount;
  const baseTimestamp = Number(view.baseTimestamp);
  const maxTimestamp = Number(view.maxTimestamp);
  const producerSetAppendTime = view.timestampType === 'LogAppendTime';
  let errors: { code: number; error: RecordError }[] | null = null;
  const fail = (index: number, message: string): InvalidRecords => {
    const structural = `${message} (record ${index} of ${count}) in topic partition ${rules.topicPartition}`;
    return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: structural, recordErrors: [{ batchIndex: index, batchIndexErrorMessage: structural }] };
  };
  const end = bytes.length;
  let pos = 0;
  for (let index = 0; index < count; index++) {
    if (pos >= end) return fail(index, 'Incorrect declared batch size, premature EOF reached');
    const length = readVarint(bytes, pos, end);
    if (length === MALFORMED) return fail(index, 'Found invalid record structure: malformed record length varint');
    pos = varintEnd;
    if (length < MIN_RECORD_BODY_BYTES || length > end - pos) {
      return fail(index, `Invalid record size: expected ${length} bytes in record payload, but instead the buffer has only ${end - pos} remaining bytes.`);
    }
    const recordEnd = pos + length;
    pos++; // attributes: unused in magic v2
    const timestampDelta = readVarlong(bytes, pos, recordEnd);
    if (Number.isNaN(timestampDelta)) return fail(index, 'Found invalid record structure: malformed timestamp delta varlong');
    pos = varintEnd;
    const offsetDelta = readVarint(bytes, pos, recordEnd);
    if (offsetDelta === MALFORMED) return fail(index, 'Found invalid record structure: malformed offset delta varint');
    pos = varintEnd;
    if (offsetDelta !== index) return fail(index, `Offset delta ${offsetDelta} where ${index} was expected: offset deltas must run 0, 1, 2…`);
    const keyLength = readVarint(bytes, pos, recordEnd);
    if (keyLength === MALFORMED || keyLength < -1 || keyLength > recordEnd - varintEnd) return fail(index, `Invalid key size ${describe(keyLength)} in a record of ${length} bytes`);
    pos = varintEnd + Math.max(keyLength, 0);
    const valueLength = readVarint(bytes, pos, recordEnd);
    if (valueLength === MALFORMED || valueLength < -1 || valueLength > recordEnd - varintEnd) return fail(index, `Invalid value size ${describe(valueLength)} in a record of ${length} bytes`);
    pos = varintEnd + Math.max(valueLength, 0);
    const headerCount = readVarint(bytes, pos, recordEnd);
    if (headerCount === MALFORMED || headerCount < 0) return fail(index, `Found invalid number of record headers ${describe(headerCount)}`);
    pos = varintEnd;
    for (let header = 0; header < headerCount; header++) {
      const keySize = readVarint(bytes, pos, recordEnd);
      if (keySize === MALFORMED || keySize < 0 || keySize > recordEnd - varintEnd) return fail(index, `Invalid header key size ${describe(keySize)} of header ${header}`);
      pos = varintEnd + keySize;
      const valueSize = readVarint(bytes, pos, recordEnd);
      if (valueSize === MALFORMED || valueSize < -1 || valueSize > recordEnd - varintEnd) return fail(index, `Invalid header value size ${describe(valueSize)} of header ${header}`);
      pos = varintEnd + Math.max(valueSize, 0);
    }
    if (pos !== recordEnd) return fail(index, `Invalid record size: expected to read ${length} bytes in record payload, but instead read ${length - (recordEnd - pos)}`);

    let fault: { code: number; error: RecordError } | null = null;
    if (rules.keyRequired && keyLength === -1) {
      fault = recordFault(ErrorCode.INVALID_RECORD, index, `Compacted topic cannot accept message without key in topic partition ${rules.topicPartition}.`);
    } else {
      // A LogAppendTime batch's records all carry its maxTimestamp (DefaultRecordBatch).
      const timestamp = producerSetAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
      if (rules.timestampType === 'CreateTime' && timestamp !== NO_TIMESTAMP) {
        if (rules.nowMs - timestamp > rules.timestampBeforeMaxMs || timestamp - rules.nowMs > rules.timestampAfterMaxMs) {
          fault = recordFault(
            ErrorCode.INVALID_TIMESTAMP,
            index,
            `Timestamp ${timestamp} of message with offset ${index} is out of range. The timestamp should be within [${rules.nowMs - rules.timestampBeforeMaxMs}, ${rules.nowMs + rules.timestampAfterMaxMs}]`,
          );
        }
      } else if (producerSetAppendTime) {
        fault = recordFault(ErrorCode.INVALID_TIMESTAMP, index, `Invalid timestamp type in message ${index}. Producer should not set timestamp type to LogAppendTime.`);
      }
    }
    if (fault !== null) (errors ??= []).push(fault);
  }
  // Bytes past the last record: no record is at fault, so no record error.
  if (pos !== end) return invalidBatch(`Incorrect declared batch size, records still remaining in file (${end - pos} bytes after ${count} records) in topic partition ${rules.topicPartition}`);
  return errors === null ? null : recordErrorsResult(errors);
}

/** As Kafka's processRecordErrors: INVALID_TIMESTAMP when any timestamp failed, else INVALID_RECORD naming up to three errors. */
function recordErrorsResult(errors: readonly { code: number; error: RecordError }[]): InvalidRecords {
  const recordErrors = errors.map((e) => e.error);
  if (errors.some((e) => e.code === ErrorCode.INVALID_TIMESTAMP)) {
    return { errorCode: ErrorCode.INVALID_TIMESTAMP, errorMessage: 'One or more records have been rejected due to invalid timestamp', recordErrors };
  }
  const shown = recordErrors
    .slice(0, 3)
    .map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`)
    .join(', ');
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown}]`,
    recordErrors,
  };
}

function recordFault(code: number, batchIndex: number, message: string): { code: number; error: RecordError } {
  return { code, error: { batchIndex, batchIndexErrorMessage: message } };
}

function invalidBatch(message: string): InvalidRecords {
  return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: message, recordErrors: [] };
}

function describe(value: number): string {
  return value === MALFORMED ? '(malformed varint)' : String(value);
}

/** Kafka's RecordBatch.NO_TIMESTAMP: a batch without timestamps is not range-checked. */
const NO_TIMESTAMP = -1;
/** attributes (1 byte) + timestampDelta, offsetDelta, keyLength, valueLength, headerCount (1 byte each at least). */
const MIN_RECORD_BODY_BYTES = 6;
/** Returned by the readers below for a truncated or over-long varint (no zig-zag int32 decodes to it). */
const MALFORMED = -0x100000000;
/** Where the last varint read ended: a module slot rather than a cursor object, so a record costs no allocation. */
let varintEnd = 0;

/** A zig-zag int32 varint of at most 5 bytes ending before `limit`, or MALFORMED. */
function readVarint(buf: Buffer, position: number, limit: number): number {
  let raw = 0;
  let shift = 0;
  for (let pos = position; pos < limit; pos++) {
    const byte = buf[pos]!;
    if (shift === 28 && (byte & 0xf0) !== 0) return MALFORMED;
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      varintEnd = pos + 1;
      raw >>>= 0;
      return (raw >>> 1) ^ -(raw & 1);
    }
    shift += 7;
  }
  return MALFORMED;
}

/**
 * A zig-zag int64 varlong of at most 10 bytes ending before `limit` as a
 * number (exact below 2^53, every real timestamp delta), or NaN.
 */
function readVarlong(buf: Buffer, position: number, limit: number): number {
  let raw = 0;
  let scale = 1;
  for (let pos = position, i = 0; pos < limit && i < 10; pos++, i++) {
    const byte = buf[pos]!;
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      varintEnd = pos + 1;
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    scale *= 128;
  }
  return NaN;
}
