import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, defaultFetchRequestFetchTopic, type FetchResponse } from '../core/protocol/generated/messages/fetch.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { rawRequest } from './support/raw-requests.js';

/**
 * A partition whose log cannot be opened (here: a file stands where its directory must go; in the
 * field EMFILE) is offline, not missing: Produce and Fetch answer KAFKA_STORAGE_ERROR, Metadata lists
 * the replica offline, and opening is retried until it works.
 */
let node: FreshetNode;
const topic = 'blocked';

beforeAll(async () => {
  node = await startFreshetNode();
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

async function produce(value: string): Promise<number> {
  const records = buildUncompressedRecordBatch({ records: [{ value: Buffer.from(value), timestamp: Date.now() }] });
  const response = await rawRequest<ProduceResponse>(node.port, ApiKey.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0]!.partitionResponses[0]!.errorCode;
}

async function fetchError(): Promise<number> {
  const response = await rawRequest<FetchResponse>(node.port, ApiKey.Fetch, 11, {
    ...defaultFetchRequest(),
    maxWaitMs: 0,
    topics: [{ ...defaultFetchRequestFetchTopic(), topic, partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  return response.responses[0]!.partitions[0]!.errorCode;
}

describe('a partition whose log cannot be opened', () => {
  it.skipIf(!requireKcat())('answers KAFKA_STORAGE_ERROR, is listed offline, and serves once opening works again', async () => {
    const blocker = join(node.logDir, `${topic}-0`);
    writeFileSync(blocker, 'not a directory');
    const created = await rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: topic, numPartitions: 1, replicationFactor: 1 }],
    });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);

    await expect.poll(() => produce('refused'), { timeout: 10_000 }).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(await fetchError()).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    const metadata = await rawRequest<MetadataResponse>(node.port, ApiKey.Metadata, 9, { ...defaultMetadataRequest(), topics: [{ ...defaultMetadataRequestTopic(), name: topic }] });
    expect(metadata.topics[0]!.partitions[0]).toMatchObject({ leaderId: 1, offlineReplicas: [1] });
    expect(node.output()).toMatch(/Partition blocked-0 is offline \(KAFKA_STORAGE_ERROR\), retrying in \d+ ms/);

    rmSync(blocker);
    await expect.poll(() => produce('stored'), { timeout: 20_000, interval: 500 }).toBe(ErrorCode.NONE);
    expect(await fetchError()).toBe(ErrorCode.NONE);
    const after = await rawRequest<MetadataResponse>(node.port, ApiKey.Metadata, 9, { ...defaultMetadataRequest(), topics: [{ ...defaultMetadataRequestTopic(), name: topic }] });
    expect(after.topics[0]!.partitions[0]!.offlineReplicas).toEqual([]);
    const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.toString()).toBe('stored\n');
  });
});
