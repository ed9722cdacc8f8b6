import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { freePort, startFreshet } from '../cli/testing/freshet-process.js';
import { propertiesText, singleNodeProperties } from '../cli/testing/single-node-properties.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

const { Kafka, ConfigResourceTypes, logLevel } = kafkajs;

const TOPIC = 'orders';
const METADATA_MAX_BYTES = 64;
const RETENTION_CHECK_INTERVAL_MS = 300;

/** The group coordinator's server.properties keys, seen by real clients of a node started as a user starts it. */
describe('group coordinator settings from server.properties', () => {
  let node: FreshetNode;
  const kafka = () => new Kafka({ brokers: [node.bootstrap], clientId: 'group-config-test', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });

  beforeAll(async () => {
    node = await startFreshetNode({
      properties: { 'offset.metadata.max.bytes': METADATA_MAX_BYTES, 'offsets.retention.check.interval.ms': RETENTION_CHECK_INTERVAL_MS },
    });
    await node.createTopic(TOPIC, 2);
    // Records under the offsets committed below, so that a consumer fetching from them does not reset them.
    const producer = kafka().producer();
    await producer.connect();
    for (const partition of [0, 1]) await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `v${i}` })) });
    await producer.disconnect();
  }, 60_000);
  afterAll(async () => {
    await node?.destroy();
  });

  it('refuses a kafkajs commit whose metadata is longer than offset.metadata.max.bytes with OFFSET_METADATA_TOO_LARGE, and keeps one that fits', async () => {
    const client = kafka();
    const consumer = client.consumer({ groupId: 'metadata-group', sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
    const admin = client.admin();
    await Promise.all([consumer.connect(), admin.connect()]);
    try {
      // kafkajs commits only for a running member: its first record says it is one.
      let consuming!: () => void;
      const running = new Promise<void>((resolve) => (consuming = resolve));
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async () => consuming() });
      await running;

      const fits = 'm'.repeat(METADATA_MAX_BYTES);
      await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: '5', metadata: fits }]);
      // kafkajs wraps the protocol error: it does not retry it.
      await expect(consumer.commitOffsets([{ topic: TOPIC, partition: 1, offset: '7', metadata: `${fits}!` }])).rejects.toMatchObject({
        cause: { type: 'OFFSET_METADATA_TOO_LARGE' },
      });
      const [fetched] = await admin.fetchOffsets({ groupId: 'metadata-group', topics: [TOPIC] });
      expect(fetched!.partitions.sort((a, b) => a.partition - b.partition)).toEqual([
        { partition: 0, offset: '5', metadata: fits },
        { partition: 1, offset: '-1', metadata: null },
      ]);
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
    }
  });

  it('expires an offset committed with a retention time at the next check of offsets.retention.check.interval.ms', async () => {
    const groupId = 'expiring-group';
    const connection = await BrokerConnection.connect(node.host, node.port);
    const admin = kafka().admin();
    await admin.connect();
    try {
      // OffsetCommit v2 carries retention_time_ms; a simple consumer (generation -1) commits it.
      const request: OffsetCommitRequest = {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: 1n,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 11n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'short-lived' }] }],
      };
      await admin.fetchOffsets({ groupId, topics: [TOPIC] });
      const response = await connection.request<OffsetCommitResponse>(ApiKey.OffsetCommit, request, 2);
      expect(response.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      const offsetOf = async () => (await admin.fetchOffsets({ groupId, topics: [TOPIC] }))[0]!.partitions.find((p) => p.partition === 0)!.offset;
      // Kafka's default interval (10 minutes) would keep it far beyond this test.
      const deadline = Date.now() + 20 * RETENTION_CHECK_INTERVAL_MS;
      let offset = await offsetOf();
      while (offset !== '-1' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, RETENTION_CHECK_INTERVAL_MS / 3));
        offset = await offsetOf();
      }
      expect(offset).toBe('-1');
    } finally {
      connection.close();
      await admin.disconnect();
    }
  });

  it('shows the three keys in DescribeConfigs of the broker, with their source', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['offset.metadata.max.bytes', 'offsets.retention.check.interval.ms', 'offsets.commit.timeout.ms'] }],
        includeSynonyms: false,
      });
      const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
      expect(entries.get('offset.metadata.max.bytes')).toMatchObject({ configValue: String(METADATA_MAX_BYTES), isDefault: false });
      expect(entries.get('offsets.retention.check.interval.ms')).toMatchObject({ configValue: String(RETENTION_CHECK_INTERVAL_MS), isDefault: false });
      expect(entries.get('offsets.commit.timeout.ms')).toMatchObject({ configValue: '5000', isDefault: true });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('group coordinator settings out of range', () => {
  it('refuse to start the node, naming the key, the value and the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-group-config-'));
    try {
      const properties = {
        ...singleNodeProperties({ port: await freePort(), controllerPort: await freePort(), logDir: join(dir, 'logs'), metadataLogDir: join(dir, 'metadata') }),
        'metrics.port': 0,
        'offsets.commit.timeout.ms': 0,
      };
      writeFileSync(join(dir, 'server.properties'), propertiesText(properties));
      const run = startFreshet(['server-start', join(dir, 'server.properties'), '--format-if-needed']);
      try {
        await expect(run.waitForLine(/Freshet node \d+ started/)).rejects.toThrow(/exited before/);
        expect(run.output()).toContain('ERROR Invalid value "0" for configuration offsets.commit.timeout.ms: must be at least 1');
      } finally {
        // Exited already (code 1), or started when it should not have: then it is killed.
        expect(await run.stop('SIGKILL')).toBe(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
