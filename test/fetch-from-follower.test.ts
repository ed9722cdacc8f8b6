import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RACK_AWARE_REPLICA_SELECTOR } from '../runtime/config/replica-selector-config.js';
import { startControllerQuorum, type ControllerQuorum } from './support/controller-quorum.js';
import { metricValue } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

const { Kafka, logLevel } = kafkajs;
const RACKS: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-c' };
/** Led by node 1, whose replica.selector.class is the rack-aware selector. */
const NEAREST = 'nearest';
/** Led by node 2, which leaves replica.selector.class empty (Kafka's default): the leader serves every consumer. */
const LEADER_ONLY = 'leader-only';
const RECORDS = 200;

/**
 * KIP-392 on three combined nodes in three racks, started through the CLI: kcat with
 * client.rack=rack-c (node 3's rack, a follower of both topics) reads every record of each topic.
 */
describe.runIf(requireKcat())('fetch from the closest replica (KIP-392)', () => {
  let cluster: ControllerQuorum;
  const bytesOut = async (nodeId: number, topic: string) => metricValue(await cluster.node(nodeId).metrics(), 'freshet_topic_bytes_out_total', { topic });
  const consume = async (topic: string) => {
    const run = await runKcat(['-C', '-b', cluster.bootstrapServers, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `client.rack=${RACKS[3]}`, '-f', '%o %s\\n']);
    expect(run.code, run.stderr).toBe(0);
    return run.stdout.toString().split('\n').filter((line) => line !== '');
  };
  const expected = (topic: string) => Array.from({ length: RECORDS }, (_, i) => `${i} ${topic}-${i}`);

  beforeAll(async () => {
    cluster = await startControllerQuorum({
      controllers: 3,
      combined: true,
      metrics: true,
      properties: { 'auto.leader.rebalance.enable': 'false', 'replica.fetch.wait.max.ms': 100 },
      nodeProperties: (nodeId) => ({ 'broker.rack': RACKS[nodeId]!, ...(nodeId === 1 ? { 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR } : {}) }),
    });
    const admin = new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'kip-392-test', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await vi.waitFor(async () => expect((await admin.describeCluster()).brokers.length).toBe(3), { timeout: 30_000, interval: 250 });
      await admin.createTopics({
        topics: [
          { topic: NEAREST, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] },
          { topic: LEADER_ONLY, replicaAssignment: [{ partition: 0, replicas: [2, 1, 3] }] },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    for (const topic of [NEAREST, LEADER_ONLY]) {
      const lines = Array.from({ length: RECORDS }, (_, i) => `${topic}-${i}`).join('\n');
      const run = await runKcat(['-P', '-b', cluster.bootstrapServers, '-t', topic, '-p', '0', '-X', 'acks=all'], lines);
      expect(run.code, run.stderr).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('with the rack-aware selector, the follower in the consumer\'s rack serves every record and the leader none', async () => {
    // The follower's high watermark follows the leader's one fetch later: read until it has reached the end.
    await expect.poll(() => consume(NEAREST), { timeout: 15_000, interval: 200 }).toEqual(expected(NEAREST));
    expect(await bytesOut(3, NEAREST)).toBeGreaterThan(RECORDS * NEAREST.length);
    expect(await bytesOut(1, NEAREST)).toBe(0);
    expect(await bytesOut(2, NEAREST)).toBe(0);
  }, 30_000);

  it('without replica.selector.class, the same consumer reads from the leader', async () => {
    expect(await consume(LEADER_ONLY)).toEqual(expected(LEADER_ONLY));
    expect(await bytesOut(2, LEADER_ONLY)).toBeGreaterThan(RECORDS * LEADER_ONLY.length);
    expect(await bytesOut(3, LEADER_ONLY)).toBe(0);
    expect(await bytesOut(1, LEADER_ONLY)).toBe(0);
  }, 30_000);
});
