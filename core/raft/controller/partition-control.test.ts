import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultPartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import { defaultRegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import { defaultControllerConfig, type ControllerState } from './controller-state.js';
import { MetadataImage } from '../metadata/metadata-image.js';
import { createPartitions } from './partition-control.js';

const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** Three unfenced brokers and a topic with two partitions replicated twice. */
function state(): ControllerState {
  const image = new MetadataImage();
  for (const brokerId of [1, 2, 3]) image.replay({ type: MetadataRecordType.RegisterBrokerRecord, value: { ...defaultRegisterBrokerRecord(), brokerId, brokerEpoch: BigInt(brokerId), fenced: false } });
  image.replay({ type: MetadataRecordType.TopicRecord, value: { name: 'orders', topicId } });
  for (const partitionId of [0, 1]) {
    const replicas = [partitionId + 1, partitionId + 2];
    image.replay({ type: MetadataRecordType.PartitionRecord, value: { ...defaultPartitionRecord(), topicId, partitionId, replicas, isr: replicas, leader: replicas[0]! } });
  }
  return { config: { ...defaultControllerConfig, clusterId: 'c' }, image, lastHeartbeatMs: new Map() };
}

const grow = (s: ControllerState, count: number, assignments: number[][] | null = null, name = 'orders') =>
  createPartitions(s, { timeoutMs: 1000, validateOnly: false, topics: [{ name, count, assignments: assignments === null ? null : assignments.map((brokerIds) => ({ brokerIds })) }] });

describe('createPartitions on the controller', () => {
  it('adds partitions numbered after the existing ones, at the topic replication factor, on distinct brokers', () => {
    const s = state();
    const result = grow(s, 5);
    expect(result.response.results).toEqual([{ name: 'orders', errorCode: ErrorCode.NONE, errorMessage: null }]);
    for (const record of result.records) s.image.replay(record);
    const partitions = [...s.image.topics.get(topicId)!.partitions.values()];
    expect(partitions.map((p) => p.partitionId)).toEqual([0, 1, 2, 3, 4]);
    for (const p of partitions.slice(2)) {
      expect(p.replicas).toHaveLength(2);
      expect(new Set(p.replicas).size).toBe(2);
      expect(p.isr).toEqual(p.replicas);
      expect(p.leader).toBe(p.replicas[0]);
    }
  });

  it('uses the given assignments, and refuses ones of the wrong size or naming unknown brokers', () => {
    const s = state();
    const result = grow(s, 3, [[3, 1]]);
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({ value: { partitionId: 2, replicas: [3, 1], leader: 3 } });
    expect(grow(s, 4, [[3, 1]]).response.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(grow(s, 3, [[3]]).response.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(grow(s, 3, [[3, 9]]).response.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  it('never shrinks, and answers unknown topics', () => {
    const s = state();
    for (const count of [1, 2]) {
      const result = grow(s, count);
      expect(result.response.results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
      expect(result.records).toEqual([]);
    }
    expect(grow(s, 3, null, 'missing').response.results[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
