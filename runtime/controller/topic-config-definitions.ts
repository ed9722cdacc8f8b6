import type { BrokerConfig } from '../config/broker-config.js';

const LONG_MAX = '9223372036854775807';

/** DescribeConfigs' ConfigType numbers. */
export const ConfigValueType = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7 } as const;
export type ConfigValueType = (typeof ConfigValueType)[keyof typeof ConfigValueType];

export interface TopicConfigDefinition {
  readonly name: string;
  readonly type: ConfigValueType;
  /** The broker key whose value is this config's default (Kafka's synonym), if any. */
  readonly brokerSynonym?: string;
  /** Kafka's default when no broker key supplies one. */
  readonly defaultValue: string;
  readonly doc: string;
  /** Why a value is refused, or undefined when it is valid. */
  readonly validate: (value: string) => string | undefined;
}

const intRange = (min: number, max = 2147483647) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) return 'not an integer';
  const n = Number(value);
  return n < min || n > max ? `must be between ${min} and ${max}` : undefined;
};
const longRange = (min: bigint) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) return 'not a long';
  const n = BigInt(value.trim());
  return n < min || n > 9223372036854775807n ? `must be at least ${min}` : undefined;
};
const oneOf = (...allowed: string[]) => (value: string) => (allowed.includes(value.trim()) ? undefined : `must be one of ${allowed.join(', ')}`);
const listOf = (...allowed: string[]) => (value: string) => {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return `must list at least one of ${allowed.join(', ')}`;
  const bad = items.find((item) => !allowed.includes(item));
  return bad === undefined ? undefined : `'${bad}' is not one of ${allowed.join(', ')}`;
};
const bool = (value: string) => (/^(true|false)$/i.test(value.trim()) ? undefined : 'must be true or false');
const ratio = (value: string) => {
  const n = Number(value);
  return value.trim() === '' || Number.isNaN(n) || n < 0 || n > 1 ? 'must be a number between 0 and 1' : undefined;
};
const anyString = () => undefined;

/** Kafka's topic-level configs (LogConfig / TopicConfig), with their types, defaults and broker synonyms. */
export const topicConfigDefinitions: readonly TopicConfigDefinition[] = [
  { name: 'cleanup.policy', type: ConfigValueType.list, brokerSynonym: 'log.cleanup.policy', defaultValue: 'delete', doc: 'delete or compact (or both) old segments', validate: listOf('delete', 'compact') },
  { name: 'compression.gzip.level', type: ConfigValueType.int, defaultValue: '-1', doc: 'gzip level when compression.type is gzip', validate: (v) => (v.trim() === '-1' ? undefined : intRange(1, 9)(v)) },
  { name: 'compression.lz4.level', type: ConfigValueType.int, defaultValue: '9', doc: 'lz4 level when compression.type is lz4', validate: intRange(1, 17) },
  { name: 'compression.type', type: ConfigValueType.string, brokerSynonym: 'compression.type', defaultValue: 'producer', doc: 'final compression of the topic data', validate: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  { name: 'compression.zstd.level', type: ConfigValueType.int, defaultValue: '3', doc: 'zstd level when compression.type is zstd', validate: intRange(-131072, 22) },
  { name: 'delete.retention.ms', type: ConfigValueType.long, brokerSynonym: 'log.cleaner.delete.retention.ms', defaultValue: '86400000', doc: 'how long delete tombstones are kept on compacted topics', validate: longRange(0n) },
  { name: 'file.delete.delay.ms', type: ConfigValueType.long, brokerSynonym: 'log.segment.delete.delay.ms', defaultValue: '60000', doc: 'wait before deleting a file from the filesystem', validate: longRange(0n) },
  { name: 'flush.messages', type: ConfigValueType.long, brokerSynonym: 'log.flush.interval.messages', defaultValue: LONG_MAX, doc: 'messages between forced fsyncs', validate: longRange(1n) },
  { name: 'flush.ms', type: ConfigValueType.long, brokerSynonym: 'log.flush.interval.ms', defaultValue: LONG_MAX, doc: 'time between forced fsyncs', validate: longRange(0n) },
  { name: 'follower.replication.throttled.replicas', type: ConfigValueType.list, defaultValue: '', doc: 'replicas throttled on the follower side', validate: anyString },
  { name: 'index.interval.bytes', type: ConfigValueType.int, brokerSynonym: 'log.index.interval.bytes', defaultValue: '4096', doc: 'bytes between offset index entries', validate: intRange(0) },
  { name: 'leader.replication.throttled.replicas', type: ConfigValueType.list, defaultValue: '', doc: 'replicas throttled on the leader side', validate: anyString },
  { name: 'local.retention.bytes', type: ConfigValueType.long, defaultValue: '-2', doc: 'local size limit with tiered storage', validate: longRange(-2n) },
  { name: 'local.retention.ms', type: ConfigValueType.long, defaultValue: '-2', doc: 'local time limit with tiered storage', validate: longRange(-2n) },
  { name: 'max.compaction.lag.ms', type: ConfigValueType.long, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', defaultValue: LONG_MAX, doc: 'longest a message stays uncompacted', validate: longRange(1n) },
  { name: 'max.message.bytes', type: ConfigValueType.int, brokerSynonym: 'message.max.bytes', defaultValue: '1048588', doc: 'largest record batch size allowed', validate: intRange(0) },
  { name: 'message.downconversion.enable', type: ConfigValueType.boolean, defaultValue: 'true', doc: 'down-convert for old consumers', validate: bool },
  { name: 'message.timestamp.after.max.ms', type: ConfigValueType.long, brokerSynonym: 'log.message.timestamp.after.max.ms', defaultValue: LONG_MAX, doc: 'how far a timestamp may be in the future', validate: longRange(0n) },
  { name: 'message.timestamp.before.max.ms', type: ConfigValueType.long, brokerSynonym: 'log.message.timestamp.before.max.ms', defaultValue: LONG_MAX, doc: 'how far a timestamp may be in the past', validate: longRange(0n) },
  { name: 'message.timestamp.difference.max.ms', type: ConfigValueType.long, defaultValue: LONG_MAX, doc: 'deprecated timestamp bound', validate: longRange(0n) },
  { name: 'message.timestamp.type', type: ConfigValueType.string, brokerSynonym: 'log.message.timestamp.type', defaultValue: 'CreateTime', doc: 'CreateTime or LogAppendTime', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'min.cleanable.dirty.ratio', type: ConfigValueType.double, brokerSynonym: 'log.cleaner.min.cleanable.ratio', defaultValue: '0.5', doc: 'dirty share of the log that triggers compaction', validate: ratio },
  { name: 'min.compaction.lag.ms', type: ConfigValueType.long, brokerSynonym: 'log.cleaner.min.compaction.lag.ms', defaultValue: '0', doc: 'shortest a message stays uncompacted', validate: longRange(0n) },
  { name: 'min.insync.replicas', type: ConfigValueType.int, brokerSynonym: 'min.insync.replicas', defaultValue: '1', doc: 'replicas that must acknowledge an acks=all write', validate: intRange(1) },
  { name: 'preallocate', type: ConfigValueType.boolean, defaultValue: 'false', doc: 'preallocate segment files', validate: bool },
  { name: 'remote.storage.enable', type: ConfigValueType.boolean, defaultValue: 'false', doc: 'tiered storage', validate: bool },
  { name: 'retention.bytes', type: ConfigValueType.long, brokerSynonym: 'log.retention.bytes', defaultValue: '-1', doc: 'size limit of a partition before old segments go', validate: longRange(-1n) },
  { name: 'retention.ms', type: ConfigValueType.long, brokerSynonym: 'log.retention.ms', defaultValue: '604800000', doc: 'time limit before old segments go (-1: none)', validate: longRange(-1n) },
  { name: 'segment.bytes', type: ConfigValueType.int, brokerSynonym: 'log.segment.bytes', defaultValue: '1073741824', doc: 'segment file size', validate: intRange(14) },
  { name: 'segment.index.bytes', type: ConfigValueType.int, brokerSynonym: 'log.index.size.max.bytes', defaultValue: '10485760', doc: 'offset index size', validate: intRange(4) },
  { name: 'segment.jitter.ms', type: ConfigValueType.long, defaultValue: '0', doc: 'random jitter on segment.ms', validate: longRange(0n) },
  { name: 'segment.ms', type: ConfigValueType.long, brokerSynonym: 'log.roll.ms', defaultValue: '604800000', doc: 'time before a segment is rolled', validate: longRange(1n) },
  { name: 'unclean.leader.election.enable', type: ConfigValueType.boolean, brokerSynonym: 'unclean.leader.election.enable', defaultValue: 'false', doc: 'let out-of-sync replicas lead', validate: bool },
];

const byName = new Map(topicConfigDefinitions.map((d) => [d.name, d]));

export function topicConfigDefinition(name: string): TopicConfigDefinition | undefined {
  return byName.get(name);
}

/** Why a topic config name or value is refused (INVALID_CONFIG), or undefined. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  const definition = byName.get(name);
  if (definition === undefined) return `Unknown topic config name: ${name}`;
  if (value === null) return `Null value not supported for topic config ${name}`;
  const problem = definition.validate(value);
  return problem === undefined ? undefined : `Invalid value ${value} for configuration ${name}: ${problem}`;
}

/** The broker-wide default of a topic config on this broker (its synonym's value, else Kafka's default). */
export function topicConfigDefault(config: BrokerConfig, definition: TopicConfigDefinition): string {
  switch (definition.brokerSynonym) {
    case 'log.retention.ms':
      return String(config.logRetentionMs);
    case 'log.roll.ms':
      return String(config.logRollMs);
    case undefined:
      return definition.defaultValue;
    default:
      return config.texts[definition.brokerSynonym] ?? definition.defaultValue;
  }
}
