import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { runKcat, requireKcat } from './support/kcat.js';
import { rawRequest, residentBytes } from './support/raw-requests.js';

/**
 * KIP-578's partition limits and Kafka 4's per-request bound, through CreateTopics, CreatePartitions
 * and Metadata auto-creation: what would exceed them is refused with POLICY_VIOLATION and a message,
 * and the node keeps serving.
 */
const MAX_BROKER_PARTITIONS = 60;
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'max.broker.partitions': MAX_BROKER_PARTITIONS } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

function createTopicsRequest(topics: { name: string; numPartitions: number }[]) {
  return {
    ...defaultCreateTopicsRequest(),
    topics: topics.map((t) => ({ ...defaultCreateTopicsRequestCreatableTopic(), ...t, replicationFactor: 1 })),
  };
}

describe('partition limits', () => {
  it('refuses a CreateTopics of a million partitions before placing any, without the memory it would take', async () => {
    const pid = node.process().process.pid!;
    const before = await residentBytes(pid);
    const response = await rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, createTopicsRequest([{ name: 'million', numPartitions: 1_000_000 }]));
    expect(response.topics[0]).toMatchObject({ name: 'million', errorCode: ErrorCode.POLICY_VIOLATION });
    expect(response.topics[0]!.errorMessage).toMatch(/1000000 partitions.*10000/);
    // Split across topics, the request is refused as a whole (Kafka 4 fails every topic of it).
    const split = await rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, createTopicsRequest([{ name: 'half-a', numPartitions: 6000 }, { name: 'half-b', numPartitions: 6000 }]));
    expect(split.topics.map((t) => t.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    expect(await residentBytes(pid)).toBeLessThan(before + 64 * 1024 * 1024);
    const metadata = await rawRequest<MetadataResponse>(node.port, ApiKey.Metadata, 9, { ...defaultMetadataRequest(), topics: null });
    expect(metadata.topics.map((t) => t.name)).not.toContain('million');
  });

  it('refuses topics and partitions beyond max.broker.partitions with POLICY_VIOLATION, and auto-creates only up to it, counted', async () => {
    await node.createTopic('limits-a', 50);
    const over = await rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, createTopicsRequest([{ name: 'limits-b', numPartitions: 11 }, { name: 'limits-c', numPartitions: 4 }]));
    expect(over.topics[0]).toMatchObject({ name: 'limits-b', errorCode: ErrorCode.POLICY_VIOLATION });
    expect(over.topics[0]!.errorMessage).toContain(`max.broker.partitions=${MAX_BROKER_PARTITIONS}`);
    // The topics of one request count against each other: 50 + 4 fits, the refused 11 are not counted.
    expect(over.topics[1]).toMatchObject({ name: 'limits-c', errorCode: ErrorCode.NONE });

    const admin = new Kafka({ clientId: 'limits', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const grown = admin.createPartitions({ topicPartitions: [{ topic: 'limits-a', count: 60 }] });
      await expect(grown).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
      expect((await admin.fetchTopicMetadata({ topics: ['limits-a'] })).topics[0]!.partitions).toHaveLength(50);
    } finally {
      await admin.disconnect();
    }

    // 54 hosted: a Metadata request naming 10 unknown topics (num.partitions=1) creates 6 and is refused 4.
    const names = Array.from({ length: 10 }, (_, i) => `auto-${i}`);
    const metadata = await rawRequest<MetadataResponse>(node.port, ApiKey.Metadata, 9, {
      ...defaultMetadataRequest(),
      allowAutoTopicCreation: true,
      topics: names.map((name) => ({ ...defaultMetadataRequestTopic(), name })),
    });
    const codes = metadata.topics.map((t) => t.errorCode);
    expect(codes.filter((c) => c === ErrorCode.POLICY_VIOLATION)).toHaveLength(4);
    expect(codes.filter((c) => c === ErrorCode.NONE || c === ErrorCode.LEADER_NOT_AVAILABLE)).toHaveLength(6);
    const metrics = await node.metrics();
    expect(metricValue(metrics, 'freshet_auto_topic_creations_total', { result: 'created' })).toBe(6);
    expect(metricValue(metrics, 'freshet_auto_topic_creations_total', { result: 'refused' })).toBe(4);
  });

  it.skipIf(!requireKcat())('still serves kcat afterwards', async () => {
    const produced = await runKcat(['-b', node.bootstrap, '-P', '-t', 'limits-a', '-p', '7'], 'one\ntwo\n');
    expect(produced.code).toBe(0);
    const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', 'limits-a', '-p', '7', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.toString()).toBe('one\ntwo\n');
  });
});
