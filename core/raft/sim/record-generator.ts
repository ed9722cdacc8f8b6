import type { SeededRandom } from '../../actors/seeded-random.js';
import { MetadataRecordType as T } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import { defaultPartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import { defaultRegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import type { MetadataImage } from '../metadata/metadata-image.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';

/**
 * Proposes random metadata records that always replay cleanly, whatever subset of them commits.
 * It leans on the log order matching the proposal order: it only refers to brokers, topics and
 * partitions already in the proposing leader's committed image, registers each broker once,
 * never refers to a topic after proposing its removal, and takes producer ids from the offset.
 */
export class RecordGenerator {
  private nextBrokerId = 100;
  private nextTopic = 0;
  private readonly removedTopics = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  /** Records for a proposal at `offset` by a leader whose committed image is `image`. */
  next(image: MetadataImage, offset: number): MetadataRecord[] {
    const topics = [...image.topics.values()].filter((t) => !this.removedTopics.has(t.topicId));
    const brokers = [...image.brokers.values()];
    const r = this.random;
    switch (r.int(8)) {
      case 0: {
        const brokerId = this.nextBrokerId++;
        return [{ type: T.RegisterBrokerRecord, value: { ...defaultRegisterBrokerRecord(), brokerId, brokerEpoch: BigInt(offset), rack: `rack-${brokerId % 3}`, fenced: true } }];
      }
      case 1: {
        const broker = brokers.length > 0 ? r.pick(brokers) : undefined;
        if (broker === undefined) return [{ type: T.NoOpRecord, value: {} }];
        const value = { id: broker.brokerId, epoch: broker.brokerEpoch };
        return [r.chance(0.5) ? { type: T.FenceBrokerRecord, value } : { type: T.UnfenceBrokerRecord, value }];
      }
      case 2: {
        const n = this.nextTopic++;
        const topicId = topicIdFor(n);
        const replicas = [0, 1, 2];
        return [
          { type: T.TopicRecord, value: { name: `topic-${n}`, topicId } },
          { type: T.PartitionRecord, value: { ...defaultPartitionRecord(), topicId, partitionId: 0, replicas, isr: replicas, leader: 0, leaderEpoch: 0, partitionEpoch: 0 } },
        ];
      }
      case 3: {
        const topic = topics.length > 0 ? r.pick(topics) : undefined;
        const partition = topic?.partitions.get(0);
        if (topic === undefined || partition === undefined) return [{ type: T.NoOpRecord, value: {} }];
        const isr = partition.replicas.filter(() => r.chance(0.7));
        return [{ type: T.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), topicId: topic.topicId, partitionId: 0, isr, leader: r.chance(0.5) ? (isr[0] ?? -1) : -2 } }];
      }
      case 4: {
        const topic = topics.length > 0 ? r.pick(topics) : undefined;
        if (topic === undefined) return [{ type: T.NoOpRecord, value: {} }];
        this.removedTopics.add(topic.topicId);
        return [{ type: T.RemoveTopicRecord, value: { topicId: topic.topicId } }];
      }
      case 5:
        return [{ type: T.ConfigRecord, value: { resourceType: 4, resourceName: '', name: `key-${r.int(4)}`, value: r.chance(0.2) ? null : `v${offset}` } }];
      case 6:
        return [{ type: T.FeatureLevelRecord, value: { name: 'metadata.version', featureLevel: r.between(0, 20) } }];
      default:
        return [{ type: T.ProducerIdsRecord, value: { brokerId: 1, brokerEpoch: 1n, nextProducerId: BigInt((offset + 1) * 1000) } }];
    }
  }
}

/** A distinct 16-byte id per topic, in Kafka's base64url form. */
function topicIdFor(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n + 1, 12);
  return bytes.toString('base64url');
}
