import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { defaultDescribeClusterRequest, type DescribeClusterResponse } from '../core/protocol/generated/messages/describe-cluster.js';
import type { DescribeTopicPartitionsResponse } from '../core/protocol/generated/messages/describe-topic-partitions.js';
import { defaultMetadataRequest, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * What admin answers carry beside their data, as Kafka's (issue 13, items 8
 * and 10): CreateTopics' errorMessage is null for a created topic, and the
 * authorized operations a client asks for are Kafka's full sets (no authorizer
 * runs), Integer.MIN_VALUE when not asked. Raw requests to `freshet
 * server-start` in a child process; kafkajs creates a topic too.
 */
let node: FreshetNode;
let connection: BrokerConnection;

/** Kafka's AclOperation codes set in a 32-bit field. */
const operationsIn = (field: number): number[] => Array.from({ length: 32 }, (_, bit) => bit).filter((bit) => (field & (1 << bit)) !== 0);
// READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (AclEntry.supportedOperations(TOPIC)).
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11];
// CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE (AclEntry.supportedOperations(CLUSTER)).
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12];
const NOT_ASKED = -2147483648;

beforeAll(async () => {
  node = await startFreshetNode();
  connection = await BrokerConnection.connect(node.host, node.port);
  await node.createTopic('described', 2);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await node?.destroy();
});

describe('CreateTopics', () => {
  it('answers a created topic with errorMessage null (v5 and v7) and a refused one with its message', async () => {
    for (const version of [5, 7]) {
      const name = `created-v${version}`;
      const topic = { ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 };
      const created = await connection.request<CreateTopicsResponse>(ApiKey.CreateTopics, { ...defaultCreateTopicsRequest(), topics: [topic], timeoutMs: 10_000 }, version);
      expect(created.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([[name, ErrorCode.NONE, null]]);
      const again = await connection.request<CreateTopicsResponse>(ApiKey.CreateTopics, { ...defaultCreateTopicsRequest(), topics: [topic], timeoutMs: 10_000 }, version);
      expect(again.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
      expect(again.topics[0]!.errorMessage).toContain(name);
    }
    const admin = new Kafka({ clientId: 'admin-answers', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'created-by-kafkajs' }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('authorized operations', () => {
  it('Metadata v8-v10 report the full topic and cluster sets when asked, MIN_VALUE when not', async () => {
    for (const version of [8, 9, 10]) {
      const asked = await connection.request<MetadataResponse>(
        ApiKey.Metadata,
        { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'described' }], includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true },
        version,
      );
      expect(operationsIn(asked.clusterAuthorizedOperations), `v${version}`).toEqual(CLUSTER_OPERATIONS);
      expect(asked.topics.map((t) => operationsIn(t.topicAuthorizedOperations))).toEqual([TOPIC_OPERATIONS]);
      const notAsked = await connection.request<MetadataResponse>(ApiKey.Metadata, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'described' }] }, version);
      expect([notAsked.clusterAuthorizedOperations, notAsked.topics[0]!.topicAuthorizedOperations]).toEqual([NOT_ASKED, NOT_ASKED]);
    }
    // v11+ dropped the cluster field (DescribeCluster has it); topic operations stay.
    const v12 = await connection.request<MetadataResponse>(ApiKey.Metadata, { ...defaultMetadataRequest(), topics: null, includeTopicAuthorizedOperations: true }, 12);
    expect(v12.clusterAuthorizedOperations).toBe(NOT_ASKED);
    expect(v12.topics.find((t) => t.name === 'described')!.topicAuthorizedOperations).toBe(TOPIC_OPERATIONS.reduce((field, op) => field | (1 << op), 0));
  });

  it('DescribeCluster v0 and v1 report the seven cluster operations when asked, MIN_VALUE when not', async () => {
    for (const version of [0, 1]) {
      const asked = await connection.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { ...defaultDescribeClusterRequest(), includeClusterAuthorizedOperations: true }, version);
      expect(asked.errorCode).toBe(ErrorCode.NONE);
      expect(operationsIn(asked.clusterAuthorizedOperations), `v${version}`).toEqual(CLUSTER_OPERATIONS);
      const notAsked = await connection.request<DescribeClusterResponse>(ApiKey.DescribeCluster, defaultDescribeClusterRequest(), version);
      expect(notAsked.clusterAuthorizedOperations).toBe(NOT_ASKED);
    }
  });

  it('DescribeTopicPartitions reports the eight topic operations, as Kafka always does', async () => {
    const described = await connection.request<DescribeTopicPartitionsResponse>(ApiKey.DescribeTopicPartitions, { topics: [{ name: 'described' }], responsePartitionLimit: 100, cursor: null }, 0);
    expect(described.topics.map((t) => [t.name, t.errorCode, operationsIn(t.topicAuthorizedOperations)])).toEqual([['described', ErrorCode.NONE, TOPIC_OPERATIONS]]);
  });
});
