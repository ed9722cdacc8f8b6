import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType as T } from '../../protocol/generated/metadata/index.js';
import { defaultAlterPartitionRequestPartitionData } from '../../protocol/generated/messages/alter-partition.js';
import { defaultBrokerHeartbeatRequest } from '../../protocol/generated/messages/broker-heartbeat.js';
import { defaultBrokerRegistrationRequest } from '../../protocol/generated/messages/broker-registration.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../protocol/generated/messages/create-topics.js';
import { alterPartition } from './alter-partition.js';
import { brokerHeartbeat, fenceStaleBrokers, registerBroker } from './cluster-control.js';
import { clusterId, Harness } from './controller-test-harness.js';
import { allocateProducerIds } from './producer-id-control.js';
import { placeReplicas } from './replica-placement.js';
import { createTopics, deleteTopics } from './topic-control.js';

describe('rack-aware replica placement', () => {
  it('puts each partition on distinct racks and spreads leaders evenly', () => {
    const rackOf = (id: number): string => (id <= 2 ? 'a' : id <= 4 ? 'b' : 'c');
    const brokers = [1, 2, 3, 4, 5, 6].map((brokerId) => ({ brokerId, rack: rackOf(brokerId) }));
    const assignment = placeReplicas(brokers, 6, 3, 0)!;
    for (const replicas of assignment) expect(new Set(replicas.map(rackOf)).size).toBe(3);
    expect(assignment.map((r) => r[0]).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('uses distinct brokers once the racks run out, and refuses more replicas than brokers', () => {
    const brokers = [1, 2, 3, 4].map((brokerId) => ({ brokerId, rack: brokerId <= 2 ? 'a' : 'b' }));
    for (const replicas of placeReplicas(brokers, 8, 3, 0)!) {
      expect(new Set(replicas).size).toBe(3);
      expect(new Set(replicas.map((id) => (id <= 2 ? 'a' : 'b'))).size).toBe(2);
    }
    expect(placeReplicas(brokers, 1, 5, 0)).toBeUndefined();
  });
});

describe('broker registration and heartbeats', () => {
  it('registers a broker fenced, with the record offset as its epoch, and unfences it once caught up', () => {
    const h = new Harness();
    h.register(1);
    const registration = h.register(2);
    expect(registration).toMatchObject({ errorCode: 0, brokerEpoch: 1n });
    expect(h.state.image.brokers.get(2)!.fenced).toBe(true);
    expect(h.heartbeat(2, { currentMetadataOffset: 0n })).toMatchObject({ isFenced: true, isCaughtUp: false });
    expect(h.heartbeat(2, { currentMetadataOffset: 1n })).toMatchObject({ isFenced: false, isCaughtUp: true });
    expect(h.state.image.brokers.get(2)!.fenced).toBe(false);
  });

  it('refuses another cluster id, a second live incarnation and a stale broker epoch', () => {
    const h = new Harness();
    h.liveBrokers([1]);
    expect(registerBroker(h.state, { ...defaultBrokerRegistrationRequest(), brokerId: 2, clusterId: 'other' }, h.ctx()).response.errorCode).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID);
    expect(h.register(1, null, 'another-incarnation-id').errorCode).toBe(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
    expect(h.heartbeat(1, { brokerEpoch: 99n }).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(h.commit(brokerHeartbeat(h.state, { ...defaultBrokerHeartbeatRequest(), brokerId: 7 }, h.ctx())).errorCode).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
  });

  it('fences a broker silent for broker.session.timeout.ms and moves its leaderships to the ISR', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('orders', 3, 3);
    const ledBy1 = [0, 1, 2].filter((p) => h.partition('orders', p).leader === 1);
    expect(ledBy1.length).toBe(1);
    h.nowMs = 5000;
    h.heartbeat(2);
    h.heartbeat(3);
    h.nowMs = 9000;
    const records = fenceStaleBrokers(h.state, h.ctx());
    expect(records.flatMap((r) => (r.type === T.FenceBrokerRecord ? [r.value.id] : []))).toEqual([1]);
    h.commit({ records, response: undefined });
    expect(h.state.image.brokers.get(1)!.fenced).toBe(true);
    expect(h.state.image.brokers.get(2)!.fenced).toBe(false);
    for (const p of [0, 1, 2]) {
      const partition = h.partition('orders', p);
      expect(partition.isr).not.toContain(1);
      expect(partition.leader).not.toBe(1);
    }
    expect(h.partition('orders', ledBy1[0]!).leaderEpoch).toBe(1);
  });

  it('leaves a partition leaderless when its whole ISR is fenced, unless unclean election is enabled', () => {
    for (const unclean of [false, true]) {
      const h = new Harness();
      h.liveBrokers([1, 2]);
      h.createTopic('t', 1, 2, unclean ? [{ name: 'unclean.leader.election.enable', value: 'true' }] : []);
      const leader = h.partition('t').leader;
      const other = leader === 1 ? 2 : 1;
      h.heartbeat(other, { wantFence: true });
      expect(h.partition('t').isr).toEqual([leader]);
      h.heartbeat(other);
      h.heartbeat(leader, { wantFence: true });
      const p = h.partition('t');
      expect(p.leader).toBe(unclean ? other : -1);
      expect(p.isr).toEqual(unclean ? [other] : [leader]);
      if (!unclean) {
        h.heartbeat(leader);
        expect(h.partition('t').leader).toBe(leader);
      }
    }
  });
});

describe('topics', () => {
  it('creates topic, partition and config records, and reports each failing topic with its own error', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3], (id) => `rack-${id}`);
    const created = h.createTopic('orders', 2, 3, [{ name: 'retention.ms', value: '60000' }]);
    expect(created).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 3 });
    expect(h.state.image.configs.get('2/orders')!.get('retention.ms')).toBe('60000');
    expect(h.partition('orders', 1).isr.sort()).toEqual([1, 2, 3]);
    expect(h.createTopic('orders', 1, 1).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(h.createTopic('big', 1, 4).errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(h.createTopic('none', 0, 1).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(h.createTopic('bad/name', 1, 1).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const dup = { ...defaultCreateTopicsRequestCreatableTopic(), name: 'twice', numPartitions: 1, replicationFactor: 1 };
    const response = h.commit(createTopics(h.state, { ...defaultCreateTopicsRequest(), topics: [dup, dup] }, h.ctx()));
    expect(response.topics.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    const validateOnly = createTopics(h.state, { ...defaultCreateTopicsRequest(), validateOnly: true, topics: [{ ...dup, name: 'dry' }] }, h.ctx());
    expect(validateOnly.records).toEqual([]);
    expect(validateOnly.response.topics[0]!.errorCode).toBe(0);
  });

  it('deletes a topic by name and reports an unknown one', () => {
    const h = new Harness();
    h.liveBrokers([1]);
    h.createTopic('gone', 1, 1);
    const response = h.commit(deleteTopics(h.state, { topics: [], topicNames: ['gone', 'never'], timeoutMs: 1000 }));
    expect(response.responses.map((r) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(h.state.image.topicIdsByName.has('gone')).toBe(false);
  });

  it('refuses every deletion with TOPIC_DELETION_DISABLED when delete.topic.enable is false, and writes no record', () => {
    const h = new Harness();
    h.liveBrokers([1]);
    h.createTopic('kept', 1, 1);
    const disabled = { ...h.state, config: { ...h.state.config, deleteTopicEnable: false } };
    const result = deleteTopics(disabled, { topics: [], topicNames: ['kept', 'never'], timeoutMs: 1000 });
    expect(result.records).toEqual([]);
    expect(result.response.responses.map((r) => [r.name, r.errorCode])).toEqual([['kept', ErrorCode.TOPIC_DELETION_DISABLED], ['never', ErrorCode.TOPIC_DELETION_DISABLED]]);
  });
});

describe('AlterPartition', () => {
  const request = (h: Harness, brokerId: number, fields: Partial<ReturnType<typeof defaultAlterPartitionRequestPartitionData>>) => ({
    brokerId,
    brokerEpoch: h.state.image.brokers.get(brokerId)!.brokerEpoch,
    topics: [{ topicName: 'orders', topicId: h.state.image.topicIdsByName.get('orders')!, partitions: [{ ...defaultAlterPartitionRequestPartitionData(), partitionIndex: 0, ...fields }] }],
  });

  it('shrinks the ISR at the current epochs and checks leader epoch, partition epoch, leadership and eligibility', () => {
    const h = new Harness();
    h.liveBrokers([1, 2, 3]);
    h.createTopic('orders', 1, 3);
    const { leader, replicas } = h.partition('orders');
    const followers = replicas.filter((id) => id !== leader);
    const shrink = h.commit(alterPartition(h.state, request(h, leader, { leaderEpoch: 0, partitionEpoch: 0, newIsr: [leader, followers[0]!] })));
    expect(shrink.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, partitionEpoch: 1, isr: [leader, followers[0]] });
    expect(h.partition('orders')).toMatchObject({ isr: [leader, followers[0]], partitionEpoch: 1, leaderEpoch: 0 });
    const code = (brokerId: number, fields: Parameters<typeof request>[2]) => h.commit(alterPartition(h.state, request(h, brokerId, fields))).topics[0]!.partitions[0]!.errorCode;
    expect(code(leader, { leaderEpoch: 0, partitionEpoch: 0, newIsr: [leader] })).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect(code(leader, { leaderEpoch: -1, partitionEpoch: 1, newIsr: [leader] })).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(code(followers[0]!, { leaderEpoch: 0, partitionEpoch: 1, newIsr: [followers[0]!] })).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    h.heartbeat(followers[1]!, { wantFence: true });
    expect(code(leader, { leaderEpoch: 0, partitionEpoch: 1, newIsr: [leader, followers[1]!] })).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect(h.partition('orders').partitionEpoch).toBe(1);
  });
});

describe('AllocateProducerIds', () => {
  it('hands out consecutive, non-overlapping blocks, and nothing to a fenced broker', () => {
    const h = new Harness();
    h.liveBrokers([1, 2]);
    const epoch = (id: number) => h.state.image.brokers.get(id)!.brokerEpoch;
    const first = h.commit(allocateProducerIds(h.state, { brokerId: 1, brokerEpoch: epoch(1) }));
    const second = h.commit(allocateProducerIds(h.state, { brokerId: 2, brokerEpoch: epoch(2) }));
    expect([first.producerIdStart, first.producerIdLen, second.producerIdStart]).toEqual([0n, 1000, 1000n]);
    expect(h.state.image.nextProducerId).toBe(2000n);
    h.heartbeat(2, { wantFence: true });
    const refused = allocateProducerIds(h.state, { brokerId: 2, brokerEpoch: epoch(2) });
    expect([refused.response.errorCode, refused.records.length]).toEqual([ErrorCode.STALE_BROKER_EPOCH, 0]);
  });
});
