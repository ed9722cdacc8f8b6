import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import type { AccessControlEntryRecord } from '../../protocol/generated/metadata/access-control-entry-record.js';
import type { ClientQuotaRecordEntityData } from '../../protocol/generated/metadata/client-quota-record.js';
import type { PartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import type { RegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import type { UserScramCredentialRecord } from '../../protocol/generated/metadata/user-scram-credential-record.js';
import { decodeMetadataRecords, encodeMetadataRecords, type MetadataRecord } from './metadata-record.js';

/** A committed record that contradicts the image (a controller bug, or a corrupt log). */
export class MetadataReplayError extends Error {
  override readonly name = 'MetadataReplayError';
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: Map<number, PartitionRecord>;
}

/** A client quota entity's stored quotas; `entity` is sorted by type, a null name is `<default>`. */
export interface ClientQuotaImage {
  readonly entity: readonly ClientQuotaRecordEntityData[];
  readonly quotas: Map<string, number>;
}

/** The key of a client quota entity in MetadataImage.clientQuotas: its (type, name) pairs sorted by type. */
export function clientQuotaEntityKey(entity: readonly { readonly entityType: string; readonly entityName: string | null }[]): string {
  return JSON.stringify(entity.map((e) => [e.entityType, e.entityName]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)));
}

/** ConfigResource.Type as Kafka numbers it. */
export const ConfigResourceType = { topic: 2, broker: 4 } as const;

const noLeaderChange = -2;

/**
 * The cluster metadata as of some offset of `__cluster_metadata`: brokers, topics with their
 * partitions (replicas, ISR, leader, leader epoch), configs, features, the next producer id.
 * It changes only through replay(record), so every node that replays the same log prefix holds
 * the same image.
 */
export class MetadataImage {
  readonly brokers = new Map<number, RegisterBrokerRecord>();
  readonly topics = new Map<string, TopicImage>();
  readonly topicIdsByName = new Map<string, string>();
  /** `${resourceType}/${resourceName}` → config name → value. */
  readonly configs = new Map<string, Map<string, string>>();
  readonly features = new Map<string, number>();
  /** ACLs by their id (AccessControlEntryRecord), as every broker's authorizer enforces them. */
  readonly acls = new Map<string, Omit<AccessControlEntryRecord, 'id'>>();
  /** clientQuotaEntityKey(entity) → the entity and its quotas (ClientQuotaRecord). */
  readonly clientQuotas = new Map<string, ClientQuotaImage>();
  /** SCRAM credentials: user name → mechanism id (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) → credential. */
  readonly scramCredentials = new Map<string, Map<number, UserScramCredentialRecord>>();
  nextProducerId = 0n;
  producerIdsOwner = { brokerId: -1, brokerEpoch: -1n };

  replay(record: MetadataRecord): void {
    switch (record.type) {
      case MetadataRecordType.RegisterBrokerRecord:
        this.brokers.set(record.value.brokerId, structuredClone(record.value));
        return;
      case MetadataRecordType.UnregisterBrokerRecord:
        this.broker(record.value.brokerId, record.value.brokerEpoch);
        this.brokers.delete(record.value.brokerId);
        return;
      case MetadataRecordType.FenceBrokerRecord:
        this.broker(record.value.id, record.value.epoch).fenced = true;
        return;
      case MetadataRecordType.UnfenceBrokerRecord:
        this.broker(record.value.id, record.value.epoch).fenced = false;
        return;
      case MetadataRecordType.TopicRecord: {
        const { name, topicId } = record.value;
        if (this.topicIdsByName.has(name) || this.topics.has(topicId)) throw new MetadataReplayError(`topic ${name} (${topicId}) already exists`);
        this.topics.set(topicId, { name, topicId, partitions: new Map() });
        this.topicIdsByName.set(name, topicId);
        return;
      }
      case MetadataRecordType.RemoveTopicRecord: {
        const topic = this.topic(record.value.topicId);
        this.topics.delete(topic.topicId);
        this.topicIdsByName.delete(topic.name);
        this.configs.delete(`${ConfigResourceType.topic}/${topic.name}`);
        return;
      }
      case MetadataRecordType.PartitionRecord:
        this.topic(record.value.topicId).partitions.set(record.value.partitionId, structuredClone(record.value));
        return;
      case MetadataRecordType.PartitionChangeRecord: {
        const change = record.value;
        const partition = this.topic(change.topicId).partitions.get(change.partitionId);
        if (partition === undefined) throw new MetadataReplayError(`no partition ${change.topicId}-${change.partitionId}`);
        if (change.isr !== null) partition.isr = [...change.isr];
        if (change.replicas !== null) partition.replicas = [...change.replicas];
        if (change.removingReplicas !== null) partition.removingReplicas = [...change.removingReplicas];
        if (change.addingReplicas !== null) partition.addingReplicas = [...change.addingReplicas];
        if (change.leaderRecoveryState !== -1) partition.leaderRecoveryState = change.leaderRecoveryState;
        // As in Kafka: naming a leader, even the same one, starts a new leader epoch.
        if (change.leader !== noLeaderChange) {
          partition.leader = change.leader;
          partition.leaderEpoch++;
        }
        partition.partitionEpoch++;
        return;
      }
      case MetadataRecordType.ConfigRecord: {
        const key = `${record.value.resourceType}/${record.value.resourceName}`;
        const configs = this.configs.get(key) ?? new Map<string, string>();
        if (record.value.value === null) configs.delete(record.value.name);
        else configs.set(record.value.name, record.value.value);
        if (configs.size === 0) this.configs.delete(key);
        else this.configs.set(key, configs);
        return;
      }
      case MetadataRecordType.FeatureLevelRecord:
        if (record.value.featureLevel === 0) this.features.delete(record.value.name);
        else this.features.set(record.value.name, record.value.featureLevel);
        return;
      case MetadataRecordType.ProducerIdsRecord:
        if (record.value.nextProducerId < this.nextProducerId) throw new MetadataReplayError('producer ids went back');
        this.nextProducerId = record.value.nextProducerId;
        this.producerIdsOwner = { brokerId: record.value.brokerId, brokerEpoch: record.value.brokerEpoch };
        return;
      case MetadataRecordType.NoOpRecord:
        return;
      case MetadataRecordType.AccessControlEntryRecord: {
        const { id, ...acl } = record.value;
        this.acls.set(id, acl);
        return;
      }
      case MetadataRecordType.RemoveAccessControlEntryRecord:
        if (!this.acls.delete(record.value.id)) throw new MetadataReplayError(`no ACL ${record.value.id}`);
        return;
      case MetadataRecordType.ClientQuotaRecord: {
        const { entity, key, value, remove } = record.value;
        const entityKey = clientQuotaEntityKey(entity);
        const image = this.clientQuotas.get(entityKey) ?? { entity: [...entity].sort((a, b) => (a.entityType < b.entityType ? -1 : 1)).map((e) => ({ ...e })), quotas: new Map<string, number>() };
        if (remove) image.quotas.delete(key);
        else image.quotas.set(key, value);
        if (image.quotas.size === 0) this.clientQuotas.delete(entityKey);
        else this.clientQuotas.set(entityKey, image);
        return;
      }
      case MetadataRecordType.UserScramCredentialRecord: {
        const byMechanism = this.scramCredentials.get(record.value.name) ?? new Map<number, UserScramCredentialRecord>();
        byMechanism.set(record.value.mechanism, { ...record.value });
        this.scramCredentials.set(record.value.name, byMechanism);
        return;
      }
      case MetadataRecordType.RemoveUserScramCredentialRecord: {
        const byMechanism = this.scramCredentials.get(record.value.name);
        if (byMechanism?.delete(record.value.mechanism) !== true) throw new MetadataReplayError(`no SCRAM credential ${record.value.mechanism} for ${record.value.name}`);
        if (byMechanism.size === 0) this.scramCredentials.delete(record.value.name);
        return;
      }
    }
  }

  /** Records that rebuild exactly this image, in a canonical order: the content of a snapshot. */
  toRecords(): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const [name, featureLevel] of [...this.features].sort(byKey)) records.push({ type: MetadataRecordType.FeatureLevelRecord, value: { name, featureLevel } });
    for (const [, broker] of [...this.brokers].sort(byKey)) records.push({ type: MetadataRecordType.RegisterBrokerRecord, value: broker });
    for (const [name, topicId] of [...this.topicIdsByName].sort(byKey)) {
      records.push({ type: MetadataRecordType.TopicRecord, value: { name, topicId } });
      for (const [, partition] of [...this.topic(topicId).partitions].sort(byKey)) records.push({ type: MetadataRecordType.PartitionRecord, value: partition });
    }
    for (const [key, configs] of [...this.configs].sort(byKey)) {
      const slash = key.indexOf('/');
      for (const [name, value] of [...configs].sort(byKey)) {
        records.push({ type: MetadataRecordType.ConfigRecord, value: { resourceType: Number(key.slice(0, slash)), resourceName: key.slice(slash + 1), name, value } });
      }
    }
    for (const [id, acl] of [...this.acls].sort(byKey)) records.push({ type: MetadataRecordType.AccessControlEntryRecord, value: { id, ...acl } });
    for (const [, { entity, quotas }] of [...this.clientQuotas].sort(byKey)) {
      for (const [key, value] of [...quotas].sort(byKey)) records.push({ type: MetadataRecordType.ClientQuotaRecord, value: { entity: entity.map((e) => ({ ...e })), key, value, remove: false } });
    }
    for (const [, byMechanism] of [...this.scramCredentials].sort(byKey)) {
      for (const [, credential] of [...byMechanism].sort(byKey)) records.push({ type: MetadataRecordType.UserScramCredentialRecord, value: credential });
    }
    if (this.nextProducerId > 0n) {
      records.push({ type: MetadataRecordType.ProducerIdsRecord, value: { ...this.producerIdsOwner, nextProducerId: this.nextProducerId } });
    }
    return records;
  }

  /** A snapshot: the records of toRecords(), framed as entry payloads are. */
  toSnapshot(): Buffer {
    return encodeMetadataRecords(this.toRecords());
  }

  static fromSnapshot(data: Uint8Array): MetadataImage {
    const image = new MetadataImage();
    for (const record of decodeMetadataRecords(data)) image.replay(record);
    return image;
  }

  private broker(brokerId: number, brokerEpoch: bigint): RegisterBrokerRecord {
    const broker = this.brokers.get(brokerId);
    if (broker === undefined || broker.brokerEpoch !== brokerEpoch) throw new MetadataReplayError(`no broker ${brokerId} with epoch ${brokerEpoch}`);
    return broker;
  }

  private topic(topicId: string): TopicImage {
    const topic = this.topics.get(topicId);
    if (topic === undefined) throw new MetadataReplayError(`no topic ${topicId}`);
    return topic;
  }
}

function byKey<K extends string | number, V>(a: readonly [K, V], b: readonly [K, V]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
