import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/protocol-error.js';
import { MetadataRecordType as T } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import { defaultPartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import { defaultRegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import { MetadataImage, MetadataReplayError } from './metadata-image.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-record.js';

const topicId = 'Qk2Fz1mTS3qv7CkQ0Xg9Vw';
const aclId = 'b7Jz3kTTQ1m2n4p6r8t0vA';

function history(): MetadataRecord[] {
  const broker = (brokerId: number, rack: string): MetadataRecord => ({
    type: T.RegisterBrokerRecord,
    value: { ...defaultRegisterBrokerRecord(), brokerId, brokerEpoch: 10n + BigInt(brokerId), rack, fenced: true, endPoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + brokerId, securityProtocol: 0 }] },
  });
  return [
    { type: T.FeatureLevelRecord, value: { name: 'metadata.version', featureLevel: 20 } },
    broker(1, 'a'),
    broker(2, 'b'),
    { type: T.UnfenceBrokerRecord, value: { id: 1, epoch: 11n } },
    { type: T.UnfenceBrokerRecord, value: { id: 2, epoch: 12n } },
    { type: T.TopicRecord, value: { name: 'orders', topicId } },
    { type: T.PartitionRecord, value: { ...defaultPartitionRecord(), partitionId: 0, topicId, replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 0 } },
    { type: T.ConfigRecord, value: { resourceType: 2, resourceName: 'orders', name: 'retention.ms', value: '1000' } },
    { type: T.FenceBrokerRecord, value: { id: 1, epoch: 11n } },
    { type: T.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), topicId, partitionId: 0, leader: 2, isr: [2] } },
    { type: T.ProducerIdsRecord, value: { brokerId: 2, brokerEpoch: 12n, nextProducerId: 1000n } },
    { type: T.AccessControlEntryRecord, value: { id: aclId, resourceType: 2, resourceName: 'ord', patternType: 4, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 } },
    { type: T.ClientQuotaRecord, value: { entity: [{ entityType: 'client-id', entityName: 'my-producer' }], key: 'producer_byte_rate', value: 524288, remove: false } },
    { type: T.ClientQuotaRecord, value: { entity: [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: null }], key: 'request_percentage', value: 12.5, remove: false } },
  ];
}

describe('metadata records', () => {
  it('round-trip through the KRaft frame (frame version, apiKey, version, body)', () => {
    for (const record of history()) {
      const bytes = encodeMetadataRecord(record);
      expect(bytes[0]).toBe(1);
      expect(bytes[1]).toBe(record.type);
      expect(decodeMetadataRecord(bytes)).toEqual(record);
    }
  });

  it('reject truncated, trailing and unknown bytes with a ProtocolError', () => {
    const bytes = encodeMetadataRecord(history()[6]!);
    expect(() => decodeMetadataRecord(bytes.subarray(0, bytes.length - 3))).toThrow(ProtocolError);
    expect(() => decodeMetadataRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(ProtocolError);
    expect(() => decodeMetadataRecord(Buffer.from([1, 6, 0]))).toThrow(ProtocolError);
    expect(() => decodeMetadataRecord(Buffer.from([2, 2, 0]))).toThrow(ProtocolError);
  });
});

describe('MetadataImage', () => {
  it('applies a partition change: new leader, new leader epoch, new partition epoch, shrunk ISR', () => {
    const image = new MetadataImage();
    for (const record of history()) image.replay(record);
    const partition = image.topics.get(topicId)!.partitions.get(0)!;
    expect([partition.leader, partition.leaderEpoch, partition.partitionEpoch, partition.isr]).toEqual([2, 1, 1, [2]]);
    expect(image.brokers.get(1)!.fenced).toBe(true);
    expect(image.brokers.get(2)!.fenced).toBe(false);
    expect(image.configs.get('2/orders')!.get('retention.ms')).toBe('1000');
    expect(image.nextProducerId).toBe(1000n);
  });

  it('is rebuilt identically from its own snapshot', () => {
    const image = new MetadataImage();
    for (const record of history()) image.replay(record);
    const copy = MetadataImage.fromSnapshot(image.toSnapshot());
    expect(copy.toSnapshot().equals(image.toSnapshot())).toBe(true);
    expect(copy.topics.get(topicId)!.partitions.get(0)!.leaderEpoch).toBe(1);
  });

  it('removes a topic together with its configs', () => {
    const image = new MetadataImage();
    for (const record of history()) image.replay(record);
    image.replay({ type: T.RemoveTopicRecord, value: { topicId } });
    expect(image.topicIdsByName.has('orders')).toBe(false);
    expect(image.configs.has('2/orders')).toBe(false);
  });

  it('holds ACLs by id, as every broker enforces them, until removed', () => {
    const image = new MetadataImage();
    for (const record of history()) image.replay(record);
    expect(MetadataImage.fromSnapshot(image.toSnapshot()).acls.get(aclId)).toEqual({ resourceType: 2, resourceName: 'ord', patternType: 4, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 });
    image.replay({ type: T.RemoveAccessControlEntryRecord, value: { id: aclId } });
    expect(image.acls.size).toBe(0);
    expect(() => image.replay({ type: T.RemoveAccessControlEntryRecord, value: { id: aclId } })).toThrow(MetadataReplayError);
  });

  it('keeps client quotas per entity, whatever order the entity lists its types in; removing the last key removes the entity', () => {
    const image = new MetadataImage();
    for (const record of history()) image.replay(record);
    const entity = [{ entityType: 'client-id', entityName: null }, { entityType: 'user', entityName: null }];
    image.replay({ type: T.ClientQuotaRecord, value: { entity, key: 'consumer_byte_rate', value: 1024, remove: false } });
    const both = [...image.clientQuotas.values()].find((q) => q.entity.length === 2)!;
    expect(both.entity.map((e) => e.entityType)).toEqual(['client-id', 'user']);
    expect(Object.fromEntries(both.quotas)).toEqual({ request_percentage: 12.5, consumer_byte_rate: 1024 });
    image.replay({ type: T.ClientQuotaRecord, value: { entity: [{ entityType: 'client-id', entityName: 'my-producer' }], key: 'producer_byte_rate', value: 0, remove: true } });
    expect(image.clientQuotas.size).toBe(1);
    expect(MetadataImage.fromSnapshot(image.toSnapshot()).toSnapshot().equals(image.toSnapshot())).toBe(true);
  });

  it('keeps SCRAM credentials per user and mechanism, in its snapshot too, and removes them', () => {
    const image = new MetadataImage();
    const credential = (mechanism: number) => ({ name: 'alice', mechanism, salt: Buffer.from('salt'), storedKey: Buffer.alloc(32, mechanism), serverKey: Buffer.alloc(32, 9), iterations: 4096 });
    image.replay({ type: T.UserScramCredentialRecord, value: credential(1) });
    image.replay({ type: T.UserScramCredentialRecord, value: credential(2) });
    const copy = MetadataImage.fromSnapshot(image.toSnapshot());
    expect(copy.scramCredentials.get('alice')!.get(2)).toEqual(credential(2));
    copy.replay({ type: T.RemoveUserScramCredentialRecord, value: { name: 'alice', mechanism: 1 } });
    copy.replay({ type: T.RemoveUserScramCredentialRecord, value: { name: 'alice', mechanism: 2 } });
    expect(copy.scramCredentials.has('alice')).toBe(false);
    expect(() => copy.replay({ type: T.RemoveUserScramCredentialRecord, value: { name: 'alice', mechanism: 2 } })).toThrow(MetadataReplayError);
  });

  it('refuses records that contradict it', () => {
    const image = new MetadataImage();
    expect(() => image.replay({ type: T.FenceBrokerRecord, value: { id: 9, epoch: 1n } })).toThrow(MetadataReplayError);
    image.replay({ type: T.TopicRecord, value: { name: 'x', topicId } });
    expect(() => image.replay({ type: T.TopicRecord, value: { name: 'x', topicId } })).toThrow(MetadataReplayError);
  });
});
