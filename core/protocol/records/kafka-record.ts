/** One header of a record: a UTF-8 key and a nullable value. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * A record decoded from a v2 batch. `key`, `value` and header values are
 * slices of the batch's (decompressed) bytes, not copies: copy them to keep
 * them past the life of that buffer.
 */
export interface KafkaRecord {
  offset: bigint;
  offsetDelta: number;
  /** baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime. */
  timestamp: bigint;
  timestampDelta: bigint;
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}
