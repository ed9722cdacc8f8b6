import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultDescribeLogDirsRequest, type DescribeLogDirsResponse } from '../core/protocol/generated/messages/describe-log-dirs.js';
import { defaultOffsetCommitRequest, type OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import { answerWithin } from './support/answer-within.js';
import { startFreshetNode, mountTmpfsDir, type FreshetNode } from './support/freshet-node.js';
import { waitUntil } from './support/wait-until.js';

/**
 * The group coordinator on a full disk. Every group lives on the one
 * __consumer_offsets partition, in a small tmpfs log dir that a filler file
 * then fills up (anything can fill a user's disk). Kafka's coordinator answers
 * a write whose append failed with a storage error NOT_COORDINATOR and keeps
 * answering reads; the partition's replica is listed offline (Metadata) and
 * its log dir fails (DescribeLogDirs) until the broker restarts with room.
 */
const TOPIC = 'orders';
const BEFORE = 'committed-before';
const FRESH = 'new-on-full-disk';
/** Far above what the coordinator needs to answer; without a bound a hang would only show as the test's timeout. */
const ANSWER_WITHIN_MS = 3000;
const NODE_ID = 1;

const { dir: mountDir, skipReason: mountError } = mountTmpfsDir('broker-disk-full-groups', '2m');
const filler = join(mountDir, 'filler');

let node: FreshetNode;

function admin(): Admin {
  return new Kafka({ clientId: 'disk-full-groups-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 } }).admin();
}

/** A simple (memberless) OffsetCommit of `offset` for partition 0, as admin tools send it: the error code the coordinator answers. */
async function commit(groupId: string, offset: number): Promise<number> {
  const connection = await BrokerConnection.connect(node.host, node.port);
  try {
    const response = await answerWithin(
      `OffsetCommit ${groupId}@${offset}`,
      connection.request<OffsetCommitResponse>(
        ApiKey.OffsetCommit,
        { ...defaultOffsetCommitRequest(), groupId, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }] },
        8,
      ),
      ANSWER_WITHIN_MS,
    );
    return response.topics[0]!.partitions[0]!.errorCode;
  } finally {
    connection.close();
  }
}

async function committedOffset(groupId: string): Promise<string> {
  const client = admin();
  await client.connect();
  try {
    const [topic] = await answerWithin(`OffsetFetch ${groupId}`, client.fetchOffsets({ groupId, topics: [TOPIC] }), ANSWER_WITHIN_MS);
    return topic!.partitions.find((p) => p.partition === 0)!.offset;
  } finally {
    await client.disconnect();
  }
}

/** The offline replicas Metadata lists per topic (partition 0), through kafkajs. */
async function offlineReplicas(): Promise<Record<string, number[]>> {
  const client = admin();
  await client.connect();
  try {
    const { topics } = await client.fetchTopicMetadata({ topics: ['__consumer_offsets', TOPIC] });
    return Object.fromEntries(topics.map((t) => [t.name, t.partitions.find((p) => p.partitionId === 0)!.offlineReplicas ?? []]));
  } finally {
    await client.disconnect();
  }
}

/** DescribeLogDirs v4 for every partition: the one log dir's answer. */
async function describeLogDir(): Promise<DescribeLogDirsResponse['results'][number]> {
  const connection = await BrokerConnection.connect(node.host, node.port);
  try {
    const response = await answerWithin('DescribeLogDirs', connection.request<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, { ...defaultDescribeLogDirsRequest(), topics: null }, 4), ANSWER_WITHIN_MS);
    expect(response.results).toHaveLength(1);
    return response.results[0]!;
  } finally {
    connection.close();
  }
}

describe.skipIf(mountError !== null)('group coordination on a full disk', () => {
  /** The last offset the coordinator acknowledged for BEFORE, and the answer to the first commit that did not fit. */
  let acknowledged = -1;
  let refusal: number = ErrorCode.NONE;

  beforeAll(async () => {
    node = await startFreshetNode({ logDir: mountDir, properties: { 'offsets.topic.num.partitions': 1 } });
    await node.createTopic(TOPIC, 1);
    // FindCoordinator creates __consumer_offsets; its coordinator then loads.
    await committedOffset(BEFORE).catch(() => undefined);
    await waitUntil('the first commit', async () => (await commit(BEFORE, 0)) === ErrorCode.NONE, 10_000);
    acknowledged = 0;
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
    } catch {
      // dd stops at ENOSPC: the disk is full.
    }
    // The last page of the partition's segment may still take a few small records.
    for (let offset = 1; offset <= 200; offset++) {
      refusal = await commit(BEFORE, offset);
      if (refusal !== ErrorCode.NONE) break;
      acknowledged = offset;
    }
  }, 60_000);

  afterAll(async () => {
    await node?.destroy();
    execFileSync('umount', [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it('answers the commit that does not fit NOT_COORDINATOR, and every later write at once, while the broker stays up', async () => {
    expect(refusal).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commit(BEFORE, 1000)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commit(FRESH, 1)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(node.process().process.exitCode).toBeNull();
    expect(node.output()).toMatch(/Group coordinator for __consumer_offsets-0 refuses writes \(NOT_COORDINATOR\)/);
  });

  it('fails a kafkajs consumer joining a group there with NOT_COORDINATOR instead of leaving it waiting', async () => {
    const kafka = new Kafka({ clientId: 'disk-full-groups-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200, restartOnFailure: async () => false } });
    const consumer = kafka.consumer({ groupId: FRESH, sessionTimeout: 6000 });
    const crashed = new Promise<unknown>((resolve) => consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error)));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC });
      await consumer.run({ eachMessage: async () => undefined });
      // kafkajs gives up after its retries, its NOT_COORDINATOR wrapped as "not the correct coordinator".
      const error = (await answerWithin('JoinGroup', crashed, ANSWER_WITHIN_MS)) as Error;
      expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded');
      expect((error.cause as Error).message).toBe('This is not the correct coordinator for this group');
    } finally {
      await consumer.disconnect();
    }
  });

  it('keeps answering FindCoordinator and OffsetFetch with the acknowledged offsets only', async () => {
    expect(await committedOffset(BEFORE)).toBe(String(acknowledged));
    expect(await committedOffset(FRESH)).toBe('-1');
  });

  it('lists the replica of the partition that hit the full disk offline in Metadata, the other online', async () => {
    expect(await offlineReplicas()).toEqual({ __consumer_offsets: [NODE_ID], [TOPIC]: [] });
  });

  it('reports the log dir as failed in DescribeLogDirs: KAFKA_STORAGE_ERROR, as Kafka answers for an offline dir', async () => {
    expect(await describeLogDir()).toEqual({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: mountDir, topics: [], totalBytes: -1n, usableBytes: -1n });
  });

  it('has every acknowledged commit, and takes commits again, once room is made and the broker restarts', async () => {
    expect(await node.stop()).toBe(0);
    rmSync(filler);
    await node.restart();
    expect(await committedOffset(BEFORE)).toBe(String(acknowledged));
    expect(await commit(FRESH, 7)).toBe(ErrorCode.NONE);
    expect(await committedOffset(FRESH)).toBe('7');
    expect(await offlineReplicas()).toEqual({ __consumer_offsets: [], [TOPIC]: [] });
    const dir = await describeLogDir();
    expect(dir.errorCode).toBe(ErrorCode.NONE);
    expect(dir.topics.map((t) => t.name).sort()).toEqual(['__consumer_offsets', TOPIC]);
  });
});
