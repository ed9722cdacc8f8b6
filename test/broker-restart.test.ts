import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { metricValue } from './support/freshet-node.js';
import { useFreshetNode } from './support/use-freshet-node.js';

/**
 * The node as a user runs it (`freshet server-start` in a child process):
 * acknowledged records survive a clean restart and a kill -9, and /metrics
 * counts exactly the records produced.
 */
const TOPIC = 'durable';
const PARTITIONS = 3;

const running = useFreshetNode();

function kafka(): Kafka {
  return new Kafka({ clientId: 'restart-test', brokers: [running().bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
}

async function produce(from: number, count: number): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  for (let start = from; start < from + count; start += 500) {
    const messages = Array.from({ length: Math.min(500, from + count - start) }, (_, j) => ({ key: `k${start + j}`, value: `v${start + j}` }));
    await producer.send({ topic: TOPIC, acks: -1, messages });
  }
  await producer.disconnect();
}

/** Every record of the topic, read from offset 0 of each partition with the low-level fetch loop of a fresh group. */
async function readAll(expected: number, groupId: string): Promise<Map<number, string[]>> {
  // The log holds exactly `expected` records: read in full (each at its offset), nothing can come after.
  const admin = kafka().admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(TOPIC);
  await admin.disconnect();
  expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(expected);
  const consumer = kafka().consumer({ groupId, maxWaitTimeInMs: 100 });
  const byPartition = new Map<number, string[]>();
  let count = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${count} of ${expected}`)), 30_000);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const list = byPartition.get(batch.partition) ?? [];
        for (const message of batch.messages) {
          expect(BigInt(message.offset)).toBe(BigInt(list.length));
          list.push(message.value!.toString());
        }
        byPartition.set(batch.partition, list);
        count += batch.messages.length;
        if (count >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return byPartition;
}

function allValues(byPartition: Map<number, string[]>): string[] {
  return [...byPartition.values()].flat().sort();
}

const valuesUpTo = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`).sort();

describe('freshet server-start', () => {
  it('counts produced records in /metrics and keeps them through a clean restart and a kill -9', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();

    const before = metricValue(await running().metrics(), 'freshet_topic_messages_in_total', { topic: TOPIC });
    await produce(0, 3000);
    const after = metricValue(await running().metrics(), 'freshet_topic_messages_in_total', { topic: TOPIC });
    expect(after - before).toBe(3000);
    const text = await running().metrics();
    expect(metricValue(text, 'freshet_replica_partitions')).toBeGreaterThanOrEqual(PARTITIONS);
    let logBytes = 0;
    for (let p = 0; p < PARTITIONS; p++) logBytes += metricValue(text, 'freshet_log_size_bytes', { topic: TOPIC, partition: String(p) });
    expect(logBytes).toBeGreaterThan(3000 * 5);
    expect(text).toMatch(/freshet_purgatory_size\{purgatory="Fetch"\} \d+/);
    expect(text).toMatch(/freshet_actor_queue_depth\{thread="\d+",queue="mailbox"\} \d+/);

    expect(await running().stop()).toBe(0);
    await running().restart();
    const afterClean = await readAll(3000, 'after-clean-restart');
    expect(allValues(afterClean)).toEqual(valuesUpTo(3000));

    await produce(3000, 2000);
    await running().kill();
    await running().restart();
    const afterKill = await readAll(5000, 'after-kill');
    expect(allValues(afterKill)).toEqual(valuesUpTo(5000));
    // Appends continue at the recovered log ends.
    await produce(5000, 300);
    const afterMore = await readAll(5300, 'after-more');
    expect(allValues(afterMore)).toEqual(valuesUpTo(5300));
  }, 120_000);
});
