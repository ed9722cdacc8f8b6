import type { PartitionLog } from '../log/partition-log.js';
import type { AppendOrigin, RecordRules } from '../protocol/records/record-validator.js';

/** What the partition's topic configs ask of each produced record at `nowMs`. */
export function recordRules(log: PartitionLog, nowMs: number, origin: AppendOrigin): RecordRules {
  const config = log.logConfig;
  return {
    topicPartition: `${log.topic}-${log.partition}`,
    keyRequired: config.cleanupPolicy.compact,
    timestampType: config.messageTimestampType,
    timestampBeforeMaxMs: config.messageTimestampBeforeMaxMs,
    timestampAfterMaxMs: config.messageTimestampAfterMaxMs,
    nowMs,
    origin,
  };
}
