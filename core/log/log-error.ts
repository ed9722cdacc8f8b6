/**
 * Operating errors of the log, named after the Kafka error each becomes on
 * the wire (the runtime maps `kind` to the code in its one error table).
 * - CORRUPT_MESSAGE: bad framing, magic or CRC in appended bytes.
 * - MESSAGE_TOO_LARGE: a batch above max.message.bytes.
 * - RECORD_LIST_TOO_LARGE: one append larger than a whole segment.
 * - INVALID_RECORD: a batch whose header contradicts itself (count vs offsets).
 * - OFFSET_OUT_OF_RANGE: a read or deleteRecords outside [logStartOffset, logEndOffset].
 * - OFFSETS_OUT_OF_ORDER: a follower append whose offsets do not follow the log end.
 * - KAFKA_STORAGE_ERROR: the disk failed; the log is not usable until reopened.
 */
export type LogErrorKind =
  | 'CORRUPT_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'RECORD_LIST_TOO_LARGE'
  | 'INVALID_RECORD'
  | 'OFFSET_OUT_OF_RANGE'
  | 'OFFSETS_OUT_OF_ORDER'
  | 'KAFKA_STORAGE_ERROR';

export class LogError extends Error {
  override readonly name = 'LogError';
  constructor(
    readonly kind: LogErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${kind}: ${message}`, options);
  }
}
