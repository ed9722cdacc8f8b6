import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultBrokerRegistrationRequest } from '../../core/protocol/generated/messages/broker-registration.js';
import { defaultCreateTopicsRequestCreatableTopic } from '../../core/protocol/generated/messages/create-topics.js';
import { defaultControllerConfig } from '../../core/raft/controller/controller-state.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import { createMemoryLogger } from '../logger.js';
import { MetadataLogStorage } from '../raft/metadata-log-storage.js';
import { RaftDriver } from '../raft/raft-driver.js';
import { ClusterMetadataService } from './cluster-metadata-service.js';
import { ConfigOperation } from '../../core/raft/controller/config-control.js';
import { ControllerChannel } from './controller-channel.js';
import { MetadataFollower } from './metadata-follower.js';
import { QuorumController } from './quorum-controller.js';

/** The broker-side seam on a one-node quorum: every call goes to the local active controller. */
describe('ClusterMetadataService', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function start() {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-metadata-service-'));
    const log = createMemoryLogger();
    const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: dir, voters: [1], nowMs: Date.now });
    const follower = new MetadataFollower(log);
    const voters = [{ id: 1, host: '127.0.0.1', port: 1 }];
    const driver = new RaftDriver({ nodeId: 1, clusterId: 'c', voters, storage, stateMachine: follower, log, electionTimeoutMs: 1000, fetchTimeoutMs: 2000, requestTimeoutMs: 2000, retryBackoffMs: 20 });
    const controller = new QuorumController(driver, follower, { ...defaultControllerConfig, clusterId: 'c' }, log);
    const channel = new ControllerChannel(1, driver, controller, voters, 5000);
    const service = new ClusterMetadataService(1, follower, channel, null, 5000);
    driver.start();
    cleanups.push(() => {
      controller.stop();
      channel.close();
      driver.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    // Two live brokers, so a topic can have two replicas.
    const epochs = new Map<number, bigint>();
    for (const brokerId of [1, 2]) {
      const { brokerEpoch } = await controller.registerBroker({ ...defaultBrokerRegistrationRequest(), brokerId, clusterId: 'c', incarnationId: `AAAAAAAAAAAAAAAAAAAAA${brokerId}` });
      epochs.set(brokerId, brokerEpoch);
    }
    for (const brokerId of [1, 2]) {
      await controller.brokerHeartbeat({ brokerId, brokerEpoch: epochs.get(brokerId)!, currentMetadataOffset: BigInt(follower.appliedOffset), wantFence: false, wantShutDown: false, offlineLogDirs: [] });
    }
    return { service, epochs };
  }

  it('resolves createTopics and config changes with their effect already in image(), and notifies onChange', async () => {
    const { service } = await start();
    const seen: string[][] = [];
    service.onChange((image) => seen.push([...image.topicIdsByName.keys()]));
    const created = await service.createTopics({ timeoutMs: 1000, validateOnly: false, topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: 'orders', numPartitions: 3, replicationFactor: 2 }] });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const topic = service.image().topics.get(service.image().topicIdsByName.get('orders')!)!;
    expect([...topic.partitions.values()].map((p) => p.replicas.length)).toEqual([2, 2, 2]);
    expect(seen.at(-1)).toEqual(['orders']);
    await service.incrementalAlterConfigs({ validateOnly: false, resources: [{ resourceType: ConfigResourceType.topic, resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: ConfigOperation.set, value: '1000' }] }] });
    expect(service.image().configs.get(`${ConfigResourceType.topic}/orders`)?.get('retention.ms')).toBe('1000');
  });

  it('shrinks an ISR through AlterPartition and answers the new partition epoch, already applied', async () => {
    const { service, epochs } = await start();
    await service.createTopics({ timeoutMs: 1000, validateOnly: false, topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: 'orders', numPartitions: 1, replicationFactor: 2 }] });
    const topicId = service.image().topicIdsByName.get('orders')!;
    // A copy: the image's own record changes as records are applied.
    const partition = structuredClone(service.image().topics.get(topicId)!.partitions.get(0)!);
    const leader = partition.leader;
    const response = await service.alterPartition({
      brokerId: leader,
      brokerEpoch: epochs.get(leader)!,
      topics: [{ topicName: '', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: partition.leaderEpoch, newIsr: [], newIsrWithEpochs: [{ brokerId: leader, brokerEpoch: epochs.get(leader)! }], leaderRecoveryState: 0, partitionEpoch: partition.partitionEpoch }] }],
    });
    const answered = response.topics[0]!.partitions[0]!;
    expect(answered).toMatchObject({ errorCode: ErrorCode.NONE, isr: [leader], partitionEpoch: partition.partitionEpoch + 1 });
    expect(service.image().topics.get(topicId)!.partitions.get(0)).toMatchObject({ isr: [leader], partitionEpoch: partition.partitionEpoch + 1 });
    // The same request again is stale now.
    const stale = await service.alterPartition({
      brokerId: leader,
      brokerEpoch: epochs.get(leader)!,
      topics: [{ topicName: '', topicId, partitions: [{ partitionIndex: 0, leaderEpoch: partition.leaderEpoch, newIsr: [leader], newIsrWithEpochs: [], leaderRecoveryState: 0, partitionEpoch: partition.partitionEpoch }] }],
    });
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
  });

  it('hands out consecutive producer id blocks', async () => {
    const { service, epochs } = await start();
    const first = await service.allocateProducerIds({ brokerId: 1, brokerEpoch: epochs.get(1)! });
    const second = await service.allocateProducerIds({ brokerId: 2, brokerEpoch: epochs.get(2)! });
    expect([first.errorCode, second.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(second.producerIdStart).toBe(first.producerIdStart + BigInt(first.producerIdLen));
  });
});
