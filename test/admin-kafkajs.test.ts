import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { DeleteTopicsResponse } from '../core/protocol/generated/messages/delete-topics.js';
import type { DescribeTopicPartitionsResponse } from '../core/protocol/generated/messages/describe-topic-partitions.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

const { Kafka, ConfigResourceTypes, logLevel } = kafkajs;

/** A single combined node, administered with kafkajs as an application would; restarted to prove the metadata log keeps it all. */
describe('kafkajs admin against a single broker,controller node', () => {
  let node: FreshetNode;
  const admin = () => new Kafka({ brokers: [node.bootstrap], clientId: 'admin-test', logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();

  beforeAll(async () => {
    node = await startFreshetNode();
  }, 60_000);
  afterAll(async () => {
    await node?.destroy();
  });

  it('creates topics with configs, refuses duplicates and bad configs, and validate-only creates nothing', async () => {
    const client = admin();
    await client.connect();
    try {
      expect(await client.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
      expect(await client.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] })).toBe(false);
      await expect(client.createTopics({ topics: [{ topic: 'bad-config', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
      });
      await expect(client.createTopics({ topics: [{ topic: 'bad-name', configEntries: [{ name: 'no.such.config', value: '1' }] }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
      });
      expect(await client.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry-run', numPartitions: 2 }] })).toBe(true);
      expect((await client.listTopics()).sort()).toEqual(['orders']);
      const metadata = await client.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
        [0, 1, [1], [1]],
        [1, 1, [1], [1]],
        [2, 1, [1], [1]],
      ]);
    } finally {
      await client.disconnect();
    }
  });

  it('describes topic configs with Kafka defaults and sources, alters them, and refuses invalid values', async () => {
    const client = admin();
    await client.connect();
    try {
      const describe = async () => {
        const result = await client.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders' }], includeSynonyms: false });
        return new Map(result.resources[0]!.configEntries.map((e) => [e.configName, e]));
      };
      let configs = await describe();
      expect(configs.get('retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
      expect(configs.get('segment.bytes')).toMatchObject({ configValue: '1073741824', isDefault: true, configSource: 5 });
      expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'delete', configSource: 5 });
      // AlterConfigs replaces the whole set: retention.ms goes back to its default.
      await client.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'max.message.bytes', value: '65536' }] }] });
      configs = await describe();
      expect(configs.get('cleanup.policy')).toMatchObject({ configValue: 'compact', configSource: 1 });
      expect(configs.get('max.message.bytes')).toMatchObject({ configValue: '65536', configSource: 1 });
      expect(configs.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: 5 });
      for (const [name, value] of [['retention.ms', 'abc'], ['cleanup.policy', 'shred'], ['segment.bytes', '10'], ['message.timestamp.type', 'Now'], ['compression.type', 'brotli'], ['min.insync.replicas', '0']]) {
        await expect(client.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: name!, value: value! }] }] })).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      }
      expect((await describe()).get('cleanup.policy')!.configValue).toBe('compact');
    } finally {
      await client.disconnect();
    }
  });

  it('grows a topic with CreatePartitions and never shrinks it', async () => {
    const client = admin();
    await client.connect();
    try {
      await client.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
      expect((await client.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions).toHaveLength(5);
      await expect(client.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
    } finally {
      await client.disconnect();
    }
  });

  it('keeps topics, partitions and configs across a kill -9 and restart, and kcat sees them', async () => {
    await node.kill();
    await node.restart();
    const client = admin();
    await client.connect();
    try {
      expect(await client.listTopics()).toEqual(['orders']);
      const result = await client.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['cleanup.policy', 'max.message.bytes'] }], includeSynonyms: false });
      expect(result.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]).sort()).toEqual([
        ['cleanup.policy', 'compact'],
        ['max.message.bytes', '65536'],
      ]);
      expect(await client.describeCluster()).toMatchObject({ brokers: [{ nodeId: 1, host: node.host, port: node.port }], controller: 1 });
    } finally {
      await client.disconnect();
    }
    if (requireKcat()) {
      const listing = await runKcat(['-b', node.bootstrap, '-L', '-J']);
      const parsed = JSON.parse(listing.stdout.toString()) as { topics: { topic: string; partitions: unknown[] }[] };
      expect(parsed.topics.map((t) => [t.topic, t.partitions.length])).toEqual([['orders', 5]]);
    }
  }, 60_000);

  it('deletes topics by name, and by topic id (DeleteTopics v6)', async () => {
    const client = admin();
    await client.connect();
    try {
      await client.createTopics({ topics: [{ topic: 'scratch', numPartitions: 1 }, { topic: 'by-id', numPartitions: 1 }] });
      await client.deleteTopics({ topics: ['scratch'] });
      expect((await client.listTopics()).sort()).toEqual(['by-id', 'orders']);
      await expect(client.deleteTopics({ topics: ['scratch'] })).rejects.toThrow();
    } finally {
      await client.disconnect();
    }
    const connection = await BrokerConnection.connect(node.host, node.port);
    try {
      const described = await connection.request<DescribeTopicPartitionsResponse>(ApiKey.DescribeTopicPartitions, { topics: [{ name: 'by-id' }], responsePartitionLimit: 100, cursor: null }, 0);
      const topicId = described.topics[0]!.topicId;
      const deleted = await connection.request<DeleteTopicsResponse>(ApiKey.DeleteTopics, { topicNames: [], topics: [{ name: null, topicId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAw' }], timeoutMs: 5000 }, 6);
      expect(deleted.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([
        ['by-id', topicId, 0],
        [null, 'AAAAAAAAAAAAAAAAAAAAAw', 100],
      ]);
    } finally {
      connection.close();
    }
    const check = admin();
    await check.connect();
    try {
      expect(await check.listTopics()).toEqual(['orders']);
    } finally {
      await check.disconnect();
    }
  });
});
