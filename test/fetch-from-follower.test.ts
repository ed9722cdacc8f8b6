import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, defaultFetchRequestFetchTopic, type FetchResponse } from '../core/protocol/generated/messages/fetch.js';
import {
  defaultListOffsetsRequest,
  defaultListOffsetsRequestListOffsetsPartition,
  defaultListOffsetsRequestListOffsetsTopic,
  type ListOffsetsResponse,
} from '../core/protocol/generated/messages/list-offsets.js';
import { RACK_AWARE_REPLICA_SELECTOR } from '../runtime/config/replica-selector-config.js';
import { startControllerQuorum, type ControllerQuorum } from './support/controller-quorum.js';
import { metricValue } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { rawRequest } from './support/raw-requests.js';

const { Kafka, logLevel } = kafkajs;
const RACKS: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-c' };
/** Led by node 1, whose replica.selector.class is the rack-aware selector. */
const NEAREST = 'nearest';
/** Led by node 2, which leaves replica.selector.class empty (Kafka's default): the leader serves every consumer. */
const LEADER_ONLY = 'leader-only';
/** One replica, on node 1: node 3 holds none. */
const ELSEWHERE = 'elsewhere';
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
  const port = (nodeId: number) => Number(cluster.node(nodeId).clientAddress!.split(':')[1]);
  /** One partition's answer to a raw Fetch (names, not ids, below v13). */
  const fetch = async (nodeId: number, version: number, topic: string, fetchOffset: bigint, rackId = '', maxWaitMs = 0) => {
    const response = await rawRequest<FetchResponse>(port(nodeId), ApiKey.Fetch, version, {
      ...defaultFetchRequest(),
      maxWaitMs,
      minBytes: 1,
      rackId,
      topics: [{ ...defaultFetchRequestFetchTopic(), topic, partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    });
    return response.responses[0]!.partitions[0]!;
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
          { topic: ELSEWHERE, replicaAssignment: [{ partition: 0, replicas: [1] }] },
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

  it('answers each fetch as Kafka: the leader names the replica, a follower serves Fetch v11+ within its log, ListOffsets stays with the leader', async () => {
    const redirected = await fetch(1, 11, NEAREST, 0n, RACKS[3]);
    expect(redirected).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: 3, highWatermark: BigInt(RECORDS) });
    expect(redirected.records?.length ?? 0).toBe(0);
    // A consumer in the leader's rack, or one naming no rack, is served by the leader.
    for (const rack of [RACKS[1]!, '']) {
      const served = await fetch(1, 11, NEAREST, 0n, rack);
      expect(served).toMatchObject({ errorCode: ErrorCode.NONE, preferredReadReplica: -1 });
      expect(served.records!.length).toBeGreaterThan(0);
    }
    await expect.poll(async () => (await fetch(3, 11, NEAREST, 0n)).highWatermark, { timeout: 10_000 }).toBe(BigInt(RECORDS));
    expect((await fetch(3, 11, NEAREST, 0n)).records!.length).toBeGreaterThan(0);
    // Before v11 a consumer fetch carries no client metadata: only the leader serves it.
    expect((await fetch(3, 10, NEAREST, 0n)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await fetch(3, 11, NEAREST, BigInt(RECORDS + 1))).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetch(3, 11, ELSEWHERE, 0n)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const listed = await rawRequest<ListOffsetsResponse>(port(3), ApiKey.ListOffsets, 7, {
      ...defaultListOffsetsRequest(),
      topics: [{ ...defaultListOffsetsRequestListOffsetsTopic(), name: NEAREST, partitions: [{ ...defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
    });
    expect(listed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }, 30_000);

  it('wakes a consumer fetch parked on a follower once its high watermark moves, long before max.wait.ms', async () => {
    const waiting = fetch(3, 11, NEAREST, BigInt(RECORDS), '', 20_000);
    await expect.poll(async () => metricValue(await cluster.node(3).metrics(), 'freshet_purgatory_size', { purgatory: 'Fetch' }), { timeout: 10_000 }).toBe(1);
    const started = Date.now();
    const run = await runKcat(['-P', '-b', cluster.bootstrapServers, '-t', NEAREST, '-p', '0', '-X', 'acks=all'], 'late');
    expect(run.code, run.stderr).toBe(0);
    const answer = await waiting;
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect(answer.records!.toString('latin1')).toContain('late');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 40_000);
});
