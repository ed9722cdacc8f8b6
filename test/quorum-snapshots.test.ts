import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeReplication, describeStatus, startControllerQuorum, type ClusterProcess, type ControllerQuorum } from './support/controller-quorum.js';

const SNAPSHOT_RECORD_BYTES = 1024;
const FETCH_SNAPSHOT_MAX_BYTES = 256;
const TOPICS = ['snap-a', 'snap-b', 'snap-c', 'snap-d', 'snap-e'];
const CHECKPOINT_NAME = /^\d{20}-\d{10}\.checkpoint$/;

const checkpoints = (controller: ClusterProcess): string[] => readdirSync(controller.metadataPartitionDir).filter((f) => f.endsWith('.checkpoint'));

/**
 * Three controllers with a tiny metadata.log.max.record.bytes.between.snapshots and
 * metadata.fetch.snapshot.max.bytes: config changes make the leader write snapshots, and a
 * controller that was down while they were written catches up through one fetched in pieces.
 */
describe('metadata snapshots of a three-controller quorum', () => {
  let cluster: ControllerQuorum;
  let leader: ClusterProcess;
  let down: ClusterProcess;

  beforeAll(async () => {
    cluster = await startControllerQuorum({
      controllers: 3,
      brokers: 1,
      properties: {
        'controller.quorum.election.timeout.ms': 1000,
        'controller.quorum.fetch.timeout.ms': 1000,
        'metadata.log.max.record.bytes.between.snapshots': SNAPSHOT_RECORD_BYTES,
        'metadata.fetch.snapshot.max.bytes': FETCH_SNAPSHOT_MAX_BYTES,
      },
    });
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('writes <offset>-<epoch>.checkpoint snapshots once enough bytes of config records are committed', async () => {
    const leaderId = Number((await describeStatus(cluster.bootstrapControllers)).get('LeaderId'));
    leader = cluster.controllers[leaderId - 1]!;
    down = cluster.controllers.find((c) => c.nodeId !== leaderId)!;
    await down.kill();
    expect(checkpoints(leader)).toEqual([]);

    const admin = new Admin({ clientId: 'snapshot-test', bootstrapBrokers: [cluster.brokers[0]!.address], retries: 5 });
    try {
      await admin.createTopics({ topics: TOPICS, partitions: 2, replicas: 1 });
      for (let round = 0; round < 12; round++) {
        await admin.incrementalAlterConfigs({
          resources: TOPICS.map((name) => ({
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: name,
            configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: String(3_600_000 + round) }],
          })),
        });
      }
      const [description] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'snap-c' }] });
      expect(description!.configs.find((c) => c.name === 'retention.ms')?.value).toBe(String(3_600_000 + 11));
    } finally {
      await admin.close();
    }
    // Only the newest checkpoint stays; the log before it is gone.
    const written = checkpoints(leader);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(CHECKPOINT_NAME);
    const writes = [...leader.output().matchAll(/wrote snapshot (\S+) \((\d+) bytes, (\d+) bytes of records since the last\)/g)];
    expect(writes.length).toBeGreaterThan(1);
    for (const write of writes) expect(Number(write[3])).toBeGreaterThanOrEqual(SNAPSHOT_RECORD_BYTES);
    expect(writes.at(-1)![1]).toBe(written[0]);
    expect(readFileSync(join(leader.metadataPartitionDir, written[0]!)).length).toBe(Number(writes.at(-1)![2]));
  }, 60_000);

  it('brings the controller that was down up to date with the leader snapshot, fetched in pieces of at most MaxBytes', async () => {
    await down.start();
    const deadline = Date.now() + 15_000;
    let replication = await describeReplication(cluster.bootstrapControllers);
    while (Date.now() < deadline) {
      const rejoined = replication.get(down.nodeId);
      if (rejoined?.status === 'Follower' && rejoined.lag === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
      replication = await describeReplication(cluster.bootstrapControllers);
    }
    expect(replication.get(down.nodeId)).toMatchObject({ status: 'Follower', lag: 0 });
    const loaded = /loaded snapshot (\S+) \((\d+) bytes\) fetched from leader (\d+) in (\d+) FetchSnapshot requests/.exec(down.output());
    expect(loaded).not.toBeNull();
    const [, name, bytes, from, requests] = loaded!;
    expect(Number(from)).toBe(leader.nodeId);
    expect(Number(bytes)).toBeGreaterThan(2 * FETCH_SNAPSHOT_MAX_BYTES);
    // No answer carries more than MaxBytes: one request per piece at least.
    expect(Number(requests)).toBeGreaterThanOrEqual(Math.ceil(Number(bytes) / FETCH_SNAPSHOT_MAX_BYTES));
    // It rests as the leader's checkpoint, byte for byte.
    expect(checkpoints(down)).toContain(name);
    const installed = readFileSync(join(down.metadataPartitionDir, name!));
    expect(installed.length).toBe(Number(bytes));
    if (checkpoints(leader).includes(name!)) expect(installed.equals(readFileSync(join(leader.metadataPartitionDir, name!)))).toBe(true);
  }, 60_000);
});
