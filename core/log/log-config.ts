/** Wall-clock time, injected so tests and the simulator control it. */
export interface Clock {
  nowMs(): number;
}

/**
 * The per-topic log settings, named after Kafka's topic configs (camelCase,
 * units last). Defaults are Kafka's. "Never" (Kafka's Long.MAX_VALUE) is Infinity.
 */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** segment.index.bytes: an offset index holds segmentIndexBytes / 8 entries, then the segment rolls. */
  segmentIndexBytes: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /** flush.messages: fdatasync after this many unflushed records. */
  flushMessages: number;
  /** flush.ms: fdatasync when the oldest unflushed append is this old (checked by the flusher task). */
  flushMs: number;
  /** retention.ms; -1 keeps segments forever. */
  retentionMs: number;
  /** retention.bytes; -1 means no size limit. */
  retentionBytes: number;
  /** cleanup.policy: delete, compact, or both. */
  cleanupPolicy: { delete: boolean; compact: boolean };
  /** delete.retention.ms: how long tombstones stay readable on a compacted topic. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty record this old gets the log cleaned whatever its dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: the log is cleaned once its dirty share of bytes exceeds this. */
  minCleanableDirtyRatio: number;
  /** max.message.bytes: the largest batch accepted. */
  maxMessageBytes: number;
  /** message.timestamp.type */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms / after.max.ms: how far a CreateTime may lie behind or ahead of the broker's clock. */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
}

export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  segmentIndexBytes: 10485760,
  indexIntervalBytes: 4096,
  flushMessages: Infinity,
  flushMs: Infinity,
  retentionMs: 604800000,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: 86400000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Infinity,
  minCleanableDirtyRatio: 0.5,
  maxMessageBytes: 1048588,
  messageTimestampType: 'CreateTime' as const,
  messageTimestampBeforeMaxMs: Infinity,
  messageTimestampAfterMaxMs: Infinity,
});

/** Kafka's Long.MAX_VALUE for the flush settings means "never". */
const LONG_MAX = '9223372036854775807';

/**
 * Builds a LogConfig from Kafka topic-config properties (`segment.bytes` …),
 * keeping defaults for absent keys. Throws RangeError on a malformed value so
 * the caller can answer INVALID_CONFIG.
 */
export function logConfigFromProperties(properties: Record<string, string | undefined>, base: Readonly<LogConfig> = defaultLogConfig): LogConfig {
  const config: LogConfig = { ...base, cleanupPolicy: { ...base.cleanupPolicy } };
  const integer = (key: string, min: number): number | undefined => {
    const text = properties[key];
    if (text === undefined) return undefined;
    if (text.trim() === LONG_MAX) return Infinity;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${key}=${text} is not an integer >= ${min}`);
    return value;
  };
  config.segmentBytes = integer('segment.bytes', 14) ?? config.segmentBytes;
  config.segmentMs = integer('segment.ms', 1) ?? config.segmentMs;
  config.segmentIndexBytes = integer('segment.index.bytes', 8) ?? config.segmentIndexBytes;
  config.indexIntervalBytes = integer('index.interval.bytes', 0) ?? config.indexIntervalBytes;
  config.flushMessages = integer('flush.messages', 1) ?? config.flushMessages;
  config.flushMs = integer('flush.ms', 0) ?? config.flushMs;
  config.retentionMs = integer('retention.ms', -1) ?? config.retentionMs;
  config.retentionBytes = integer('retention.bytes', -1) ?? config.retentionBytes;
  config.deleteRetentionMs = integer('delete.retention.ms', 0) ?? config.deleteRetentionMs;
  config.minCompactionLagMs = integer('min.compaction.lag.ms', 0) ?? config.minCompactionLagMs;
  config.maxCompactionLagMs = integer('max.compaction.lag.ms', 1) ?? config.maxCompactionLagMs;
  config.maxMessageBytes = integer('max.message.bytes', 0) ?? config.maxMessageBytes;
  config.messageTimestampBeforeMaxMs = integer('message.timestamp.before.max.ms', 0) ?? config.messageTimestampBeforeMaxMs;
  config.messageTimestampAfterMaxMs = integer('message.timestamp.after.max.ms', 0) ?? config.messageTimestampAfterMaxMs;
  const ratio = properties['min.cleanable.dirty.ratio'];
  if (ratio !== undefined) {
    const value = Number(ratio);
    if (ratio.trim() === '' || !(value >= 0 && value <= 1)) throw new RangeError(`min.cleanable.dirty.ratio=${ratio} is not between 0 and 1`);
    config.minCleanableDirtyRatio = value;
  }
  const policy = properties['cleanup.policy'];
  if (policy !== undefined) {
    const parts = policy.split(',').map((p) => p.trim());
    if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) throw new RangeError(`cleanup.policy=${policy} is not delete and/or compact`);
    config.cleanupPolicy = { delete: parts.includes('delete'), compact: parts.includes('compact') };
  }
  const timestampType = properties['message.timestamp.type'];
  if (timestampType !== undefined) {
    if (timestampType !== 'CreateTime' && timestampType !== 'LogAppendTime') throw new RangeError(`message.timestamp.type=${timestampType} is not CreateTime or LogAppendTime`);
    config.messageTimestampType = timestampType;
  }
  return config;
}
