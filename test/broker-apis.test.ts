import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, type FetchResponse } from '../core/protocol/generated/messages/fetch.js';
import type { DescribeLogDirsResponse } from '../core/protocol/generated/messages/describe-log-dirs.js';
import type { ListOffsetsResponse } from '../core/protocol/generated/messages/list-offsets.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { defaultMetadataRequest, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { Compression, batchViews } from '../core/protocol/record-batch-header.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/** Protocol details real clients rarely exercise: fetch sessions, topic ids, offsets by timestamp, DeleteRecords, log dirs, auto-creation. */
let node: FreshetNode;
let connection: BrokerConnection;
const kafka = (): Kafka => new Kafka({ clientId: 'apis', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });

beforeAll(async () => {
  // A 1 s retention check makes each partition's housekeeping timer come due within the tests.
  node = await startFreshetNode({ properties: { 'auto.create.topics.enable': true, 'num.partitions': 2, 'log.retention.check.interval.ms': 1000 } });
  connection = await BrokerConnection.connect(node.host, node.port);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await node?.destroy();
});

async function produce(topic: string, values: string[], timestamp?: number): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value, partition: 0, ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }) })) });
  await producer.disconnect();
}

function recordCount(response: FetchResponse): number {
  let count = 0;
  for (const topic of response.responses) for (const p of topic.partitions) for (const view of batchViews(p.records ?? Buffer.alloc(0))) count += view.recordsCount;
  return count;
}

describe('broker APIs', () => {
  it('serves incremental fetch sessions by topic id: only changed partitions, epochs checked', async () => {
    await node.createTopic('sessions', 2);
    await produce('sessions', ['a', 'b']);
    const metadata = await connection.request<MetadataResponse>(ApiKey.Metadata, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'sessions' }] }, 12);
    const topicId = metadata.topics[0]!.topicId;
    const leaderEpoch = metadata.topics[0]!.partitions[0]!.leaderEpoch;
    const fetch = (sessionId: number, sessionEpoch: number, offsets: [number, bigint][], currentLeaderEpoch = -1) =>
      connection.request<FetchResponse>(
        ApiKey.Fetch,
        {
          ...defaultFetchRequest(),
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: 1 << 20,
          sessionId,
          sessionEpoch,
          topics: offsets.length === 0 ? [] : [{ topic: '', topicId, partitions: offsets.map(([partition, fetchOffset]) => ({ partition, fetchOffset, currentLeaderEpoch, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 16, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })) }],
        },
        13,
      );
    const full = await fetch(0, 0, [[0, 0n], [1, 0n]]);
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(full.responses[0]!.topicId).toBe(topicId);
    expect(full.responses[0]!.partitions.map((p) => [p.partitionIndex, p.highWatermark])).toEqual([[0, 2n], [1, 0n]]);
    expect(recordCount(full)).toBe(2);
    // Nothing changed: an incremental fetch answers no partitions.
    const idle = await fetch(full.sessionId, 1, [[0, 2n]]);
    expect([idle.errorCode, idle.responses.length]).toEqual([0, 0]);
    await produce('sessions', ['c']);
    const changed = await fetch(full.sessionId, 2, []);
    expect(changed.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex))).toEqual([0]);
    expect(recordCount(changed)).toBe(1);
    expect((await fetch(full.sessionId, 2, [])).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect((await fetch(12345, 1, [])).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    const outOfRange = await fetch(0, -1, [[0, 99n]]);
    expect(outOfRange.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    // KIP-320: the client's view of the leader epoch is checked.
    expect((await fetch(0, -1, [[0, 0n]], leaderEpoch)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await fetch(0, -1, [[0, 0n]], leaderEpoch + 1)).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
  });

  it('lists earliest, latest and by-timestamp offsets, deletes records, and reports partition sizes per log dir', async () => {
    await node.createTopic('offsets', 1);
    await produce('offsets', ['a', 'b'], 1_000_000);
    await produce('offsets', ['c', 'd'], 2_000_000);
    const admin = kafka().admin();
    await admin.connect();
    expect(await admin.fetchTopicOffsets('offsets')).toEqual([{ partition: 0, offset: '4', high: '4', low: '0' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('offsets', 1_500_000)).toEqual([{ partition: 0, offset: '2' }]);
    const maxTimestamp = await connection.request<ListOffsetsResponse>(
      ApiKey.ListOffsets,
      { replicaId: -1, isolationLevel: 0, timeoutMs: 1000, topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -3n, maxNumOffsets: 1 }] }] },
      8,
    );
    expect(maxTimestamp.topics[0]!.partitions[0]!.offset).toBe(2n);
    await admin.deleteTopicRecords({ topic: 'offsets', partitions: [{ partition: 0, offset: '3' }] });
    expect(await admin.fetchTopicOffsets('offsets')).toEqual([{ partition: 0, offset: '4', high: '4', low: '3' }]);
    await admin.disconnect();
    const dirs = await connection.request<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, { topics: [{ topic: 'offsets', partitions: [0] }] }, 4);
    expect(dirs.results).toHaveLength(1);
    expect(dirs.results[0]!.logDir).toBe(node.logDir);
    expect(dirs.results[0]!.topics.map((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.partitionSize > 0n]))).toEqual([[['offsets', 0, true]]]);
    expect(dirs.results[0]!.totalBytes).toBeGreaterThan(0n);
  });

  it('creates an unknown topic on Metadata with num.partitions, and refuses invalid names', async () => {
    const request = { ...defaultMetadataRequest(), allowAutoTopicCreation: true, topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto-created' }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad/name' }] };
    const response = await connection.request<MetadataResponse>(ApiKey.Metadata, request, 12);
    const [created, invalid] = response.topics;
    expect(created!.errorCode).toBe(ErrorCode.NONE);
    expect(created!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes])).toEqual([[0, 1, [1], [1]], [1, 1, [1], [1]]]);
    expect(invalid!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(response.brokers).toEqual([{ nodeId: 1, host: node.host, port: node.port, rack: null }]);
    expect(response.controllerId).toBe(1);
    expect(response.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('applies topic configs to the partition (compression.type recompresses, LogAppendTime stamps) and deletes the log with the topic', async () => {
    await node.createTopic('configured', 1, { 'compression.type': 'gzip', 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    await produce('configured', ['x', 'y'], 5);
    const segment = join(node.logDir, 'configured-0', '00000000000000000000.log');
    const [stored] = [...batchViews(readFileSync(segment))];
    expect([stored!.compression, stored!.timestampType, stored!.isCrcValid()]).toEqual([Compression.gzip, 'LogAppendTime', true]);
    expect(Number(stored!.maxTimestamp)).toBeGreaterThanOrEqual(before);
    const admin = kafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: ['configured'] });
    await admin.disconnect();
    await expect.poll(() => existsSync(join(node.logDir, 'configured-0')), { timeout: 5000, interval: 100 }).toBe(false);
    // The deleted partition's housekeeping comes due in this time; other partitions must keep taking writes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await produce('after-delete', ['still', 'writable']);
    const offsets = await connection.request<ListOffsetsResponse>(ApiKey.ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'after-delete', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
    });
    expect(offsets.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, offset: 2n });
    expect(node.output()).not.toMatch(/thread \d+ \(io\) crashed/);
  });

  it('refuses acks=-1 with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, and still takes acks=1', async () => {
    await node.createTopic('strict', 1, { 'min.insync.replicas': '2' });
    const produceWith = (acks: number) =>
      connection.request<ProduceResponse>(
        ApiKey.Produce,
        {
          transactionalId: null,
          acks,
          timeoutMs: 1000,
          topicData: [{ name: 'strict', partitionData: [{ index: 0, records: buildUncompressedRecordBatch({ records: [{ value: Buffer.from('v'), timestamp: Date.now() }] }) }] }],
        },
        9,
      );
    const all = (await produceWith(-1)).responses[0]!.partitionResponses[0]!;
    expect([all.errorCode, all.baseOffset]).toEqual([ErrorCode.NOT_ENOUGH_REPLICAS, -1n]);
    const one = (await produceWith(1)).responses[0]!.partitionResponses[0]!;
    expect([one.errorCode, one.baseOffset]).toEqual([ErrorCode.NONE, 0n]);
  });

  it('refuses client appends to internal topics with INVALID_TOPIC_EXCEPTION and does not create them', async () => {
    const response = await connection.request<ProduceResponse>(
      ApiKey.Produce,
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: '__consumer_offsets', partitionData: [{ index: 0, records: buildUncompressedRecordBatch({ records: [{ value: Buffer.from('forged'), timestamp: Date.now() }] }) }] }],
      },
      9,
    );
    const partition = response.responses[0]!.partitionResponses[0]!;
    expect([partition.errorCode, partition.baseOffset]).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION, -1n]);
    expect(existsSync(join(node.logDir, '__consumer_offsets-0'))).toBe(false);
  });

  it('creates an unknown topic on Produce when auto.create.topics.enable is on, and appends at offset 0', async () => {
    const response = await connection.request<ProduceResponse>(
      ApiKey.Produce,
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'created-by-produce', partitionData: [{ index: 1, records: buildUncompressedRecordBatch({ records: [{ value: Buffer.from('first'), timestamp: Date.now() }] }) }] }],
      },
      9,
    );
    const partition = response.responses[0]!.partitionResponses[0]!;
    expect([partition.index, partition.errorCode, partition.baseOffset]).toEqual([1, ErrorCode.NONE, 0n]);
    const admin = kafka().admin();
    await admin.connect();
    expect(await admin.fetchTopicOffsets('created-by-produce')).toEqual([
      { partition: 0, offset: '0', high: '0', low: '0' },
      { partition: 1, offset: '1', high: '1', low: '0' },
    ]);
    await admin.disconnect();
  });

  it('sends no answer to acks=0 yet appends in order, and a fetch with a tiny partition limit still gets one whole batch', async () => {
    await node.createTopic('fire-and-forget', 1);
    const batchOf = (values: string[]) => buildUncompressedRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v), timestamp: Date.now() })) });
    for (let i = 0; i < 3; i++) {
      connection.send(ApiKey.Produce, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: 'fire-and-forget', partitionData: [{ index: 0, records: batchOf([`a${i}`, `b${i}`]) }] }] }, 9);
    }
    // A request after them on the same connection is answered: the acks=0 ones went before it, unanswered.
    const metadata = await connection.request<MetadataResponse>(ApiKey.Metadata, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fire-and-forget' }] }, 12);
    const topicId = metadata.topics[0]!.topicId;
    const fetched = await connection.request<FetchResponse>(
      ApiKey.Fetch,
      {
        ...defaultFetchRequest(),
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 10,
        sessionEpoch: -1,
        topics: [{ topic: '', topicId, partitions: [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      },
      13,
    );
    const partition = fetched.responses[0]!.partitions[0]!;
    expect(partition.highWatermark).toBe(6n);
    const batches = [...batchViews(partition.records!)];
    expect(batches.map((b) => [b.baseOffset, b.recordsCount])).toEqual([[0n, 2]]);
  });

  it('holds a fetch until fetch.min.bytes have arrived, or answers with what there is at max.wait.ms', async () => {
    await node.createTopic('min-bytes', 1);
    const metadata = await connection.request<MetadataResponse>(ApiKey.Metadata, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'min-bytes' }] }, 12);
    const topicId = metadata.topics[0]!.topicId;
    const longPoll = (minBytes: number, maxWaitMs: number) =>
      connection.request<FetchResponse>(
        ApiKey.Fetch,
        {
          ...defaultFetchRequest(),
          maxWaitMs,
          minBytes,
          maxBytes: 1 << 20,
          sessionEpoch: -1,
          topics: [{ topic: '', topicId, partitions: [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
        },
        13,
      );
    const producer = kafka().producer();
    await producer.connect();
    const small = 'v'.repeat(100);

    // One small record never reaches 5000 bytes: the fetch answers at max.wait.ms with it.
    let started = Date.now();
    const expiring = longPoll(5000, 600);
    await producer.send({ topic: 'min-bytes', messages: [{ value: small }] });
    const expired = await expiring;
    const waitedMs = Date.now() - started;
    expect(recordCount(expired)).toBe(1);
    expect(waitedMs).toBeGreaterThanOrEqual(550);

    // Enough bytes arrive well before a long max.wait.ms: answered as soon as they do.
    started = Date.now();
    const filling = longPoll(5000, 10_000);
    await expect.poll(async () => metricValue(await node.metrics(), 'freshet_purgatory_size', { purgatory: 'Fetch' }), { interval: 20 }).toBe(1);
    await producer.send({ topic: 'min-bytes', messages: [{ value: 'w'.repeat(6000) }] });
    const filled = await filling;
    expect(recordCount(filled)).toBe(2);
    expect(Date.now() - started).toBeLessThan(3000);
    await producer.disconnect();
  });
});
