import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, type FetchResponse } from '../core/protocol/generated/messages/fetch.js';
import { startFreshetNode, mountTmpfsDir, type FreshetNode } from './support/freshet-node.js';

/**
 * The log dir is a small tmpfs that fills up under produce (ENOSPC), as the
 * `disk-full` load scenario does. Apache Kafka takes a log dir whose write
 * failed offline: its partitions answer Produce, Fetch and ListOffsets with
 * KAFKA_STORAGE_ERROR (retriable) until the broker restarts on a disk with
 * room (and halts a broker whose only log dir failed). Freshet takes the
 * partitions that hit the failure offline and keeps serving everything else.
 */
const FULL = 'filled';
const SPARE = 'untouched';
const RECORD_BYTES = 1024;
const BATCH = 64;

const { dir: mountDir, skipReason: mountError } = mountTmpfsDir('broker-disk-full', '2m');

let node: FreshetNode;

function kafka(retries: number): Kafka {
  return new Kafka({ clientId: 'disk-full-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 50, maxRetryTime: 200 } });
}

/** The Kafka error type a kafkajs failure carries, through its retry wrapper. */
function errorType(error: unknown): string | undefined {
  let e = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  while (e !== undefined && e !== null) {
    if (typeof e.type === 'string') return e.type;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return undefined;
}

/** A sessionless Fetch of partition 0 of `topic` from offset 0: the partition's error code and how many bytes came back. */
async function fetchFromStart(topic: string): Promise<{ errorCode: number; bytes: number }> {
  const connection = await BrokerConnection.connect(node.host, node.port);
  try {
    const response = await connection.request<FetchResponse>(
      ApiKey.Fetch,
      {
        ...defaultFetchRequest(),
        maxWaitMs: 0,
        maxBytes: 1 << 20,
        topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      },
      12,
    );
    const partition = response.responses[0]!.partitions[0]!;
    return { errorCode: partition.errorCode, bytes: partition.records?.length ?? 0 };
  } finally {
    connection.close();
  }
}

function value(i: number): string {
  return `${String(i).padStart(8, '0')}${'x'.repeat(RECORD_BYTES - 8)}`;
}

describe.skipIf(mountError !== null)('a broker whose log dir fills up', () => {
  /** Values the broker acknowledged, in offset order from 0. */
  const acknowledged: string[] = [];
  let refusal: unknown;

  beforeAll(async () => {
    // Housekeeping (flush, retention) every 100 ms, so it runs on the failed partition before the checks below.
    node = await startFreshetNode({ logDir: mountDir, properties: { 'log.segment.bytes': 256 * 1024, 'log.retention.check.interval.ms': 100 } });
    await node.createTopic(FULL, 1);
    await node.createTopic(SPARE, 1);
    const producer = kafka(2).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let sent = 0; refusal === undefined && sent < 4096; sent += BATCH) {
        const values = Array.from({ length: BATCH }, (_, j) => value(sent + j));
        try {
          const [result] = await producer.send({ topic: FULL, acks: -1, messages: values.map((v) => ({ value: v })) });
          expect(BigInt(result!.baseOffset!)).toBe(BigInt(acknowledged.length));
          acknowledged.push(...values);
        } catch (error) {
          refusal = error;
        }
      }
    } finally {
      await producer.disconnect();
    }
    // Ten housekeeping rounds (every 100 ms) run on the failed partition: time is what the checks below need.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 120_000);

  afterAll(async () => {
    await node?.destroy();
    execFileSync('umount', [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it('refuses the produce that does not fit with KAFKA_STORAGE_ERROR', () => {
    expect(acknowledged.length).toBeGreaterThan(BATCH);
    expect(errorType(refusal)).toBe('KAFKA_STORAGE_ERROR');
  });

  it('keeps running and answers Metadata, ListOffsets and Fetch with proper codes: KAFKA_STORAGE_ERROR for the full partition only', async () => {
    expect(node.process().process.exitCode).toBeNull();
    const admin: Admin = kafka(1).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [FULL, SPARE] });
      // Kafka's partition error is about the leader, which has nowhere to move; the failed replica is listed offline.
      expect(metadata.topics.map((t) => [t.name, t.partitions[0]!.partitionErrorCode, t.partitions[0]!.offlineReplicas]).sort()).toEqual([[FULL, 0, [1]], [SPARE, 0, []]].sort());
      expect(await admin.fetchTopicOffsets(SPARE)).toEqual([{ partition: 0, offset: '0', high: '0', low: '0' }]);
      const failed = await admin.fetchTopicOffsets(FULL).then(
        () => 'answered',
        (error: unknown) => errorType(error),
      );
      expect(failed).toBe('KAFKA_STORAGE_ERROR');
    } finally {
      await admin.disconnect();
    }
    expect(await fetchFromStart(FULL)).toEqual({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, bytes: 0 });
    expect(await fetchFromStart(SPARE)).toEqual({ errorCode: ErrorCode.NONE, bytes: 0 });
    expect(node.output()).toMatch(new RegExp(`Partition ${FULL}-0 is offline \\(KAFKA_STORAGE_ERROR\\)`));
    expect(node.output()).not.toMatch(/actor .* failed/);
  });

  it('has every acknowledged record, at its offset, once room is made and the broker restarts', async () => {
    expect(await node.stop()).toBe(0);
    execFileSync('mount', ['-o', 'remount,size=16m', mountDir]);
    await node.restart();
    const consumer = kafka(5).consumer({ groupId: 'after-restart', maxWaitTimeInMs: 100 });
    const consumed: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: FULL, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${consumed.length} of ${acknowledged.length}`)), 30_000);
        void consumer.run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              expect(BigInt(message.offset)).toBe(BigInt(consumed.length));
              consumed.push(message.value!.toString());
            }
            if (consumed.length >= acknowledged.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    expect(consumed).toEqual(acknowledged);
    // Nothing of the refused produce became visible, and the partition takes writes again.
    const producer = kafka(2).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const [result] = await producer.send({ topic: FULL, acks: -1, messages: [{ value: 'after' }] });
    await producer.disconnect();
    expect(result!.baseOffset).toBe(String(acknowledged.length));
  });
});
