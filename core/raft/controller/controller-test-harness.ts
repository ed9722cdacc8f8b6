import { defaultAlterPartitionRequestPartitionData } from '../../protocol/generated/messages/alter-partition.js';
import { defaultBrokerHeartbeatRequest } from '../../protocol/generated/messages/broker-heartbeat.js';
import { defaultBrokerRegistrationRequest } from '../../protocol/generated/messages/broker-registration.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../protocol/generated/messages/create-topics.js';
import { MetadataImage } from '../metadata/metadata-image.js';
import { alterPartition } from './alter-partition.js';
import { brokerHeartbeat, registerBroker } from './cluster-control.js';
import { defaultControllerConfig, type ControllerContext, type ControllerResult, type ControllerState } from './controller-state.js';
import { createTopics } from './topic-control.js';

export const clusterId = 'MkU3OEVBNTcwNTJENDM2Qg';

/** A controller whose records "commit" at once: replayed into the image, as the runtime will after Raft. */
export class Harness {
  readonly state: ControllerState = { config: { ...defaultControllerConfig, clusterId }, image: new MetadataImage(), lastHeartbeatMs: new Map() };
  nowMs = 0;
  private nextOffset = 0;
  private topicCount = 0;

  ctx(): ControllerContext {
    return { nowMs: this.nowMs, nextOffset: this.nextOffset, newTopicId: () => Buffer.alloc(16, ++this.topicCount).toString('base64url') };
  }

  commit<R>(result: ControllerResult<R>): R {
    for (const record of result.records) this.state.image.replay(record);
    this.nextOffset += result.records.length;
    return result.response;
  }

  register(brokerId: number, rack: string | null = null, incarnationId = `inc${brokerId}AAAAAAAAAAAAAAAAA`.slice(0, 22)) {
    return this.commit(registerBroker(this.state, { ...defaultBrokerRegistrationRequest(), brokerId, clusterId, incarnationId, rack }, this.ctx()));
  }

  heartbeat(brokerId: number, fields: { currentMetadataOffset?: bigint; wantFence?: boolean; wantShutDown?: boolean; brokerEpoch?: bigint } = {}) {
    const brokerEpoch = fields.brokerEpoch ?? this.state.image.brokers.get(brokerId)!.brokerEpoch;
    return this.commit(brokerHeartbeat(this.state, { ...defaultBrokerHeartbeatRequest(), brokerId, brokerEpoch, currentMetadataOffset: fields.currentMetadataOffset ?? 1_000_000n, wantFence: fields.wantFence ?? false, wantShutDown: fields.wantShutDown ?? false }, this.ctx()));
  }

  liveBrokers(ids: number[], rack: (id: number) => string | null = () => null): void {
    for (const id of ids) this.register(id, rack(id));
    for (const id of ids) this.heartbeat(id);
  }

  createTopic(name: string, numPartitions: number, replicationFactor: number, configs: { name: string; value: string }[] = []) {
    const topic = { ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions, replicationFactor, configs };
    return this.commit(createTopics(this.state, { ...defaultCreateTopicsRequest(), topics: [topic] }, this.ctx())).topics[0]!;
  }

  partition(name: string, partitionId = 0) {
    return this.state.image.topics.get(this.state.image.topicIdsByName.get(name)!)!.partitions.get(partitionId)!;
  }

  /** The leader's AlterPartition adding a caught-up follower back to the ISR; its error code. */
  expandIsr(name: string, partitionId: number, brokerId: number): number {
    const p = this.partition(name, partitionId);
    const request = {
      brokerId: p.leader,
      brokerEpoch: this.state.image.brokers.get(p.leader)!.brokerEpoch,
      topics: [{ topicName: name, topicId: this.state.image.topicIdsByName.get(name)!, partitions: [{ ...defaultAlterPartitionRequestPartitionData(), partitionIndex: partitionId, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [...p.isr, brokerId] }] }],
    };
    return this.commit(alterPartition(this.state, request)).topics[0]!.partitions[0]!.errorCode;
  }
}
