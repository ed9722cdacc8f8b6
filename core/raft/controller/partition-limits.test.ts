import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { defaultBrokerHeartbeatRequest } from '../../protocol/generated/messages/broker-heartbeat.js';
import { defaultBrokerRegistrationRequest } from '../../protocol/generated/messages/broker-registration.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../protocol/generated/messages/create-topics.js';
import { MetadataImage } from '../metadata/metadata-image.js';
import { brokerHeartbeat, registerBroker } from './cluster-control.js';
import { defaultControllerConfig, type ControllerContext, type ControllerResult, type ControllerState } from './controller-state.js';
import { createTopics, deleteTopics } from './topic-control.js';

const clusterId = 'MkU3OEVBNTcwNTJENDM2Qg';

/** Two live brokers under max.partitions=6 and max.broker.partitions=5; records commit at once. */
function controller() {
  const state: ControllerState = {
    config: { ...defaultControllerConfig, clusterId, partitionLimits: { maxPartitions: 6, maxBrokerPartitions: 5 } },
    image: new MetadataImage(),
    lastHeartbeatMs: new Map(),
  };
  let offset = 0;
  let topics = 0;
  const ctx = (): ControllerContext => ({ nowMs: 0, nextOffset: offset, newTopicId: () => Buffer.alloc(16, ++topics).toString('base64url') });
  const commit = <R>(result: ControllerResult<R>): R => {
    for (const record of result.records) state.image.replay(record);
    offset += result.records.length;
    return result.response;
  };
  for (const brokerId of [1, 2]) {
    commit(registerBroker(state, { ...defaultBrokerRegistrationRequest(), brokerId, clusterId, incarnationId: `inc${brokerId}AAAAAAAAAAAAAAAAA`.slice(0, 22) }, ctx()));
  }
  for (const brokerId of [1, 2]) {
    const brokerEpoch = state.image.brokers.get(brokerId)!.brokerEpoch;
    commit(brokerHeartbeat(state, { ...defaultBrokerHeartbeatRequest(), brokerId, brokerEpoch, currentMetadataOffset: 1_000_000n, wantFence: false }, ctx()));
  }
  const create = (...topics: [string, number, number][]) =>
    commit(createTopics(state, { ...defaultCreateTopicsRequest(), topics: topics.map(([name, numPartitions, replicationFactor]) => ({ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions, replicationFactor })) }, ctx())).topics;
  return { state, create, commit };
}

describe('partition limits', () => {
  it('refuses what would pass max.broker.partitions (replicas) or max.partitions, counting the topics of one request together', () => {
    const c = controller();
    // 2 partitions x 2 replicas: each broker hosts 2.
    expect(c.create(['a', 2, 2])[0]!.errorCode).toBe(ErrorCode.NONE);
    const [b, d] = c.create(['b', 2, 2], ['d', 2, 2]);
    expect(b!.errorCode).toBe(ErrorCode.NONE);
    // Each broker would host 6 > 5.
    expect(d).toMatchObject({ errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: expect.stringContaining('max.broker.partitions=5') });
    // 4 partitions exist: 3 more would make 7 > max.partitions=6, though one replica each stays under the broker limit.
    expect(c.create(['e', 3, 1])[0]).toMatchObject({ errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: expect.stringContaining('max.partitions=6') });
    expect(c.create(['e', 1, 1])[0]!.errorCode).toBe(ErrorCode.NONE);
    // Deleting a topic gives its partitions back.
    c.commit(deleteTopics(c.state, { topicNames: ['a'], topics: [], timeoutMs: 0 }));
    expect(c.create(['f', 1, 2])[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('refuses a request of more than 10,000 partitions as a whole, before placing any', () => {
    const c = controller();
    const refused = c.create(['small', 1, 1], ['huge', 2_000_000_000, 1]);
    expect(refused.map((t) => t.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    expect(refused[0]!.errorMessage).toContain('at most 10000');
    expect(c.state.image.topics.size).toBe(0);
  });
});
