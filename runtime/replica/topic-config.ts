import { logConfigFromProperties, defaultLogConfig, type LogConfig } from '../../core/log/log-config.js';
import type { LeaderSettings, TopicCompressionType } from '../../core/partition/partition-leader.js';
import type { BrokerConfig } from '../config/broker-config.js';

/** A partition's effective settings: the broker's log.* defaults overlaid with the topic's configs. */
export interface TopicSettings {
  readonly logConfig: LogConfig;
  readonly leader: LeaderSettings;
}

const compressionTypes: readonly TopicCompressionType[] = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The broker-wide defaults as a LogConfig (Kafka's log.* keys are the topic keys' defaults). */
export function brokerLogConfig(config: BrokerConfig): LogConfig {
  const v = config.values;
  return {
    ...defaultLogConfig,
    segmentBytes: v['log.segment.bytes'],
    segmentMs: config.logRollMs,
    segmentIndexBytes: v['log.index.size.max.bytes'],
    indexIntervalBytes: v['log.index.interval.bytes'],
    flushMessages: v['log.flush.interval.messages'] >= Number.MAX_SAFE_INTEGER ? Infinity : v['log.flush.interval.messages'],
    flushMs: v['log.flush.interval.ms'] ?? Infinity,
    retentionMs: config.logRetentionMs,
    retentionBytes: v['log.retention.bytes'],
    cleanupPolicy: { delete: v['log.cleanup.policy'].includes('delete'), compact: v['log.cleanup.policy'].includes('compact') },
    deleteRetentionMs: v['log.cleaner.delete.retention.ms'],
    minCompactionLagMs: v['log.cleaner.min.compaction.lag.ms'],
    maxCompactionLagMs: v['log.cleaner.max.compaction.lag.ms'] >= Number.MAX_SAFE_INTEGER ? Infinity : v['log.cleaner.max.compaction.lag.ms'],
    minCleanableDirtyRatio: Number(v['log.cleaner.min.cleanable.ratio']),
    maxMessageBytes: v['message.max.bytes'],
    messageTimestampType: v['log.message.timestamp.type'] as LogConfig['messageTimestampType'],
    messageTimestampBeforeMaxMs: v['log.message.timestamp.before.max.ms'] >= Number.MAX_SAFE_INTEGER ? Infinity : v['log.message.timestamp.before.max.ms'],
    messageTimestampAfterMaxMs: v['log.message.timestamp.after.max.ms'] >= Number.MAX_SAFE_INTEGER ? Infinity : v['log.message.timestamp.after.max.ms'],
  };
}

/**
 * Topic configs as the metadata image holds them (name → value). A value the
 * log cannot use is ignored with the broker default kept: the controller
 * validates configs before committing them, so this only guards a corrupt image.
 */
export function topicSettings(config: BrokerConfig, topicConfigs: ReadonlyMap<string, string> | undefined): TopicSettings {
  const base = brokerLogConfig(config);
  const properties = Object.fromEntries(topicConfigs ?? []);
  let logConfig: LogConfig;
  try {
    logConfig = logConfigFromProperties(properties, base);
  } catch {
    logConfig = base;
  }
  const compression = (properties['compression.type'] ?? config.values['compression.type']) as TopicCompressionType;
  const minIsr = Number(properties['min.insync.replicas'] ?? config.values['min.insync.replicas']);
  return {
    logConfig,
    leader: {
      compressionType: compressionTypes.includes(compression) ? compression : 'producer',
      minInsyncReplicas: Number.isInteger(minIsr) && minIsr >= 1 ? minIsr : 1,
      producerIdExpirationMs: config.values['producer.id.expiration.ms'],
    },
  };
}
