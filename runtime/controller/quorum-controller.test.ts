import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultBrokerRegistrationRequest } from '../../core/protocol/generated/messages/broker-registration.js';
import { defaultCreateTopicsRequestCreatableTopic } from '../../core/protocol/generated/messages/create-topics.js';
import { defaultControllerConfig } from '../../core/raft/controller/controller-state.js';
import { createMemoryLogger } from '../logger.js';
import { MetadataLogStorage } from '../raft/metadata-log-storage.js';
import { RaftDriver } from '../raft/raft-driver.js';
import { MetadataFollower } from './metadata-follower.js';
import { QuorumController } from './quorum-controller.js';

describe('QuorumController on a single-voter quorum', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function start(): { controller: QuorumController; follower: MetadataFollower; driver: RaftDriver } {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-controller-'));
    const log = createMemoryLogger();
    const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: dir, voters: [1], nowMs: Date.now });
    const follower = new MetadataFollower(log);
    const driver = new RaftDriver({ nodeId: 1, clusterId: 'cluster', voters: [{ id: 1, host: '127.0.0.1', port: 1 }], storage, stateMachine: follower, log, electionTimeoutMs: 1000, fetchTimeoutMs: 2000, requestTimeoutMs: 2000, retryBackoffMs: 20 });
    const controller = new QuorumController(driver, follower, { ...defaultControllerConfig, clusterId: 'cluster' }, log);
    driver.start();
    cleanups.push(() => {
      controller.stop();
      driver.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    return { controller, follower, driver };
  }

  const register = (controller: QuorumController, brokerId: number) =>
    controller.registerBroker({ ...defaultBrokerRegistrationRequest(), brokerId, clusterId: 'cluster', incarnationId: `AAAAAAAAAAAAAAAAAAAAA${brokerId}`, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId, securityProtocol: 0 }] });
  const createTopic = (controller: QuorumController, name: string) =>
    controller.createTopics({ timeoutMs: 1000, validateOnly: false, topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 2, replicationFactor: 1 }] });

  it('registers a broker with the offset of its record as broker epoch, and unfences it once caught up', async () => {
    const { controller, follower } = start();
    const registration = await register(controller, 7);
    expect(registration.errorCode).toBe(ErrorCode.NONE);
    expect(follower.image().brokers.get(7)).toMatchObject({ brokerEpoch: registration.brokerEpoch, fenced: true });
    const behind = await controller.brokerHeartbeat({ brokerId: 7, brokerEpoch: registration.brokerEpoch, currentMetadataOffset: registration.brokerEpoch - 1n, wantFence: false, wantShutDown: false, offlineLogDirs: [] });
    expect(behind).toMatchObject({ errorCode: ErrorCode.NONE, isFenced: true, isCaughtUp: false });
    const caughtUp = await controller.brokerHeartbeat({ brokerId: 7, brokerEpoch: registration.brokerEpoch, currentMetadataOffset: BigInt(follower.appliedOffset - 1), wantFence: false, wantShutDown: false, offlineLogDirs: [] });
    expect(caughtUp).toMatchObject({ errorCode: ErrorCode.NONE, isFenced: false });
    expect(follower.image().brokers.get(7)!.fenced).toBe(false);
  });

  it('decides concurrent operations in order within one batch: the second create of a name sees the first', async () => {
    const { controller, follower, driver } = start();
    const registration = await register(controller, 1);
    await controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: registration.brokerEpoch, currentMetadataOffset: BigInt(follower.appliedOffset), wantFence: false, wantShutDown: false, offlineLogDirs: [] });
    const before = driver.status().logEndOffset;
    const results = await Promise.all(['a', 'b', 'a', 'c'].map((name) => createTopic(controller, name)));
    expect(results.map((r) => [r.topics[0]!.name, r.topics[0]!.errorCode])).toEqual([
      ['a', ErrorCode.NONE],
      ['b', ErrorCode.NONE],
      ['a', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['c', ErrorCode.NONE],
    ]);
    expect([...follower.image().topicIdsByName.keys()].sort()).toEqual(['a', 'b', 'c']);
    // Three topics of two partitions: 3 TopicRecords + 6 PartitionRecords, nothing for the refused one.
    expect(driver.status().logEndOffset - before).toBe(9);
  });
});
