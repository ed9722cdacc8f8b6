import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { dynamicBrokerConfigs, effectiveBrokerConfig } from '../config/dynamic-broker-config.js';
import { leadershipOf, partitionKey } from './local-partition.js';
import type { LogDirCheckpoints } from './log-dir-checkpoints.js';
import type { PartitionRegistry } from './partition-registry.js';
import type { ReplicaPurgatories } from './replica-purgatories.js';
import { topicSettings } from './topic-config.js';

export interface ImageChangeTargets {
  readonly config: BrokerConfig;
  readonly registry: PartitionRegistry;
  readonly checkpoints: LogDirCheckpoints;
  readonly purgatories: ReplicaPurgatories;
}

/**
 * Kafka's ReplicaManager.applyDelta: opens the partitions this broker now
 * holds a replica of, tells changed ones their leadership (becoming leader or
 * follower) or topic configs, closes those it no longer holds and deletes
 * the logs of deleted topics. Returns the steps it started.
 */
export function applyImageChanges(image: MetadataImage, { config: staticConfig, registry, checkpoints, purgatories }: ImageChangeTargets): Promise<void>[] {
  const nodeId = staticConfig.nodeId;
  const wanted = new Set<string>();
  const steps: Promise<void>[] = [];
  // Dynamic broker configs change the defaults of every topic: they are part of each key.
  const config = effectiveBrokerConfig(staticConfig, image);
  const brokerConfigsKey = JSON.stringify([...dynamicBrokerConfigs(image, ''), ...dynamicBrokerConfigs(image, String(nodeId))]);
  for (const topic of image.topics.values()) {
    const configs = image.configs.get(`${ConfigResourceType.topic}/${topic.name}`);
    const configsKey = JSON.stringify([...(configs ?? [])].sort()) + brokerConfigsKey;
    for (const [partitionId, record] of topic.partitions) {
      if (!record.replicas.includes(nodeId)) continue;
      const key = partitionKey(topic.name, partitionId);
      wanted.add(key);
      const existing = registry.get(key);
      if (existing !== undefined && existing.topicId !== topic.topicId) {
        // The new topic of that name starts a new log: the old one's offsets must not reach its actor.
        checkpoints.forget(key);
        steps.push(registry.remove(key, existing, true));
      }
      if (existing === undefined || existing.topicId !== topic.topicId) {
        steps.push(registry.open(topic.name, topic.topicId, partitionId, record, configs, configsKey));
        continue;
      }
      if (existing.leaderEpoch !== record.leaderEpoch || existing.partitionEpoch !== record.partitionEpoch || existing.isr.join() !== record.isr.join() || existing.replicas.join() !== record.replicas.join()) {
        const leaderMoved = existing.leaderId !== record.leader;
        existing.leaderEpoch = record.leaderEpoch;
        existing.leaderId = record.leader;
        // Produces and fetches waiting on a leadership this broker lost answer NOT_LEADER_OR_FOLLOWER now.
        if (leaderMoved) purgatories.checkAndComplete(key);
        existing.partitionEpoch = record.partitionEpoch;
        existing.replicas = [...record.replicas];
        existing.isr = [...record.isr];
        const leadership = leadershipOf(record);
        steps.push(registry.transition(key, () => registry.askState(existing, { op: 'leadership', leadership })));
      }
      if (existing.configsKey !== configsKey) {
        existing.configsKey = configsKey;
        const settings = topicSettings(config, configs);
        steps.push(registry.transition(key, () => registry.askState(existing, { op: 'settings', logConfig: settings.logConfig, settings: settings.leader })));
      }
    }
  }
  for (const partition of registry.values()) {
    const key = partitionKey(partition.topic, partition.partition);
    if (wanted.has(key)) continue;
    // Topic deleted: the log goes too. Leadership moved elsewhere: the log stays for a follower.
    const stillExists = image.topics.get(partition.topicId)?.partitions.has(partition.partition) ?? false;
    steps.push(registry.remove(key, partition, !stillExists));
  }
  return steps;
}
