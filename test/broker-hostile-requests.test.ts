import type { Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { pipelinedRequests, rawConnect, rawRequest, readAnswers, residentBytes } from './support/raw-requests.js';

/**
 * The hostile requests of issue 13, one after the other against one node on loopback, each
 * bounded in count and time: none may take the node down. Afterwards it still serves kcat, with
 * its resident memory under RSS_BOUND_BYTES (it was 1.03 GB after the slow reader alone, and the
 * partition requests exhausted its descriptors or its stack).
 */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;
const MAX_BROKER_PARTITIONS = 400;
const MAX_CONNECTIONS = 1000;
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'max.broker.partitions': MAX_BROKER_PARTITIONS, 'max.connections': MAX_CONNECTIONS } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

function createTopics(name: string, numPartitions: number): Promise<CreateTopicsResponse> {
  return rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, {
    ...defaultCreateTopicsRequest(),
    topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions, replicationFactor: 1 }],
  });
}

describe.skipIf(!requireKcat())('hostile requests', () => {
  it('CreateTopics of 20,000 and of 1,000,000 partitions, and CreatePartitions to 1,000,000: refused', async () => {
    for (const partitions of [20_000, 1_000_000]) {
      expect((await createTopics(`huge-${partitions}`, partitions)).topics[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    }
    await node.createTopic('grown', 1);
    const admin = new Kafka({ clientId: 'hostile', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'grown', count: 1_000_000 }] })).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
    } finally {
      await admin.disconnect();
    }
  });

  it('more idle connections than max.connections: the extra ones are closed, and a new topic of 50 partitions opens and serves kcat', async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS + 100; i++) sockets.push(await rawConnect(node.port));
      await expect.poll(async () => metricValue(await node.metrics(), 'freshet_network_refused_connections_total', { reason: 'max_connections' })).toBeGreaterThanOrEqual(100);
      // Room for the clients below; the other idle connections stay open meanwhile.
      for (const socket of sockets.splice(0, 10)) socket.destroy();
      await expect.poll(async () => metricValue(await node.metrics(), 'freshet_network_active_connections')).toBeLessThanOrEqual(MAX_CONNECTIONS - 10);
      await expect.poll(async () => (await createTopics('flooded', 50)).topics[0]!.errorCode).toBe(ErrorCode.NONE);
      expect((await runKcat(['-b', node.bootstrap, '-P', '-t', 'flooded', '-p', '49'], 'flood\n')).code).toBe(0);
      const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', 'flooded', '-p', '49', '-o', 'beginning', '-e', '-q']);
      expect(consumed.stdout.toString()).toBe('flood\n');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await expect.poll(async () => metricValue(await node.metrics(), 'freshet_network_active_connections')).toBeLessThan(10);
  });

  it('one anonymous Metadata request naming 2,000 unknown topics: auto-creation stops at max.broker.partitions', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `auto-${i}`);
    const response = await rawRequest<MetadataResponse>(node.port, ApiKey.Metadata, 9, {
      ...defaultMetadataRequest(),
      allowAutoTopicCreation: true,
      topics: names.map((name) => ({ ...defaultMetadataRequestTopic(), name })),
    }, 60_000);
    const refused = response.topics.filter((t) => t.errorCode === ErrorCode.POLICY_VIOLATION).length;
    const created = metricValue(await node.metrics(), 'freshet_auto_topic_creations_total', { result: 'created' });
    // 'grown' and 'flooded' hold 51 partitions of the budget.
    expect(created).toBe(MAX_BROKER_PARTITIONS - 51);
    expect(refused).toBe(names.length - created);
  });

  it('a slow reader pipelining 20,000 Metadata requests is answered in order without the node queuing them', async () => {
    const socket = await rawConnect(node.port);
    socket.pause();
    // Each answer describes 20 topics (about 1 KB): 20 MB in all, far more than muting lets queue.
    const topics = Array.from({ length: 20 }, (_, i) => ({ ...defaultMetadataRequestTopic(), name: `auto-${i + 1}` }));
    socket.write(pipelinedRequests(ApiKey.Metadata, 9, { ...defaultMetadataRequest(), allowAutoTopicCreation: false, topics }, 20_000));
    // Muted once its answers back up past what the kernel's socket buffers hold.
    await expect.poll(async () => metricValue(await node.metrics(), 'freshet_network_response_queue_bytes'), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(metricValue(await node.metrics(), 'freshet_network_response_queue_peak_bytes')).toBeLessThan(2 * 1024 * 1024);
    expect(await readAnswers(socket, 20_000)).toEqual({ answers: 20_000, outOfOrder: 0 });
    socket.destroy();
  });

  it(`still serves kcat afterwards, under ${RSS_BOUND_BYTES / 1024 / 1024} MiB resident`, async () => {
    // The budget is spent: this topic must fit, so one auto-created topic goes first.
    const admin = new Kafka({ clientId: 'hostile', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['auto-0'] });
    } finally {
      await admin.disconnect();
    }
    await expect.poll(async () => (await createTopics('after', 1)).topics[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await runKcat(['-b', node.bootstrap, '-P', '-t', 'after'], 'still\nhere\n')).code).toBe(0);
    const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', 'after', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.toString()).toBe('still\nhere\n');
    expect(await residentBytes(node.process().process.pid!)).toBeLessThan(RSS_BOUND_BYTES);
  });
});
