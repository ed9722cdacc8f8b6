import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { expect, vi } from 'vitest';
import type { ClusterProcess } from './controller-quorum.js';
import { runKcat } from './kcat.js';

// What the replication tests share: one topic with replication factor 3 and min.insync.replicas=2,
// produced with kafkajs (acks=all), read with kcat, its segment inspected on each replica's disk.
const { Kafka, logLevel } = kafkajs;
export const TOPIC = 'replicated';
/** Short, so a stopped follower leaves the ISR within seconds (Kafka's default is 30 s). */
const LAG_MS = 2000;
/** Long, so the ISR shrinks through the leader's AlterPartition, not through the controller fencing the dead broker. */
const SESSION_TIMEOUT_MS = 120_000;

export const clusterProperties = {
  'replica.lag.time.max.ms': LAG_MS,
  'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
  'replica.fetch.backoff.ms': 200,
  'offsets.topic.replication.factor': 1,
};

function kafka(nodes: readonly ClusterProcess[]) {
  return new Kafka({ brokers: nodes.map((n) => n.clientAddress!), clientId: 'replication-test', logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

export async function partitionState(nodes: readonly ClusterProcess[]): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const admin = kafka(nodes).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const p = topics[0]!.partitions[0]!;
    return { leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() };
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(nodes: readonly ClusterProcess[]): Promise<void> {
  const admin = kafka(nodes).admin();
  await admin.connect();
  try {
    // A node prints "started" before the controller has unfenced it: replication factor 3 needs all three.
    await vi.waitFor(async () => expect((await admin.describeCluster()).brokers.length).toBe(nodes.length), { timeout: 30_000, interval: 250 });
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sends `count` records with acks=all, one batch each, through a producer that does not retry, and returns each send's outcome. */
export async function produce(nodes: readonly ClusterProcess[], prefix: string, count: number): Promise<string[]> {
  const producer = kafka(nodes).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  const outcomes: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: [{ key: `k${i}`, value: `${prefix}-${i}` }] });
        outcomes.push('ok');
      } catch (error) {
        const cause = (error as { cause?: { type?: string } }).cause ?? (error as { type?: string });
        outcomes.push(cause.type ?? (error as Error).message);
      }
    }
  } finally {
    await producer.disconnect();
  }
  return outcomes;
}

/** Reads the partition from the start to its high watermark with kcat (librdkafka), no consumer group: offset and value per record. */
export async function consumeAll(nodes: readonly ClusterProcess[]): Promise<{ offset: number; value: string }[]> {
  const run = await runKcat(['-C', '-b', nodes.map((n) => n.clientAddress!).join(','), '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n']);
  if (run.code !== 0) throw new Error(`kcat failed: ${run.stderr}`);
  return run.stdout
    .toString()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ offset: Number(line.slice(0, line.indexOf(' '))), value: line.slice(line.indexOf(' ') + 1) }));
}

export function logBytes(node: ClusterProcess): Buffer {
  try {
    return readFileSync(join(node.logDir, `${TOPIC}-0`, '00000000000000000000.log'));
  } catch {
    return Buffer.alloc(0);
  }
}
