import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConsumer, type ConsumerRecord, type TopicPartition } from '../client/kafka-consumer.js';
import { stringDeserializer } from '../client/serialization.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

let node: FreshetNode;
let producer: Producer;

beforeAll(async () => {
  node = await startFreshetNode();
  producer = new Kafka({ clientId: 'client-consumer-test', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await node?.destroy();
});

async function produce(topic: string, count: number, partitions: number, prefix = 'v'): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ partition: i % partitions, key: `k${i}`, value: `${prefix}${i}` }));
  await producer.send({ topic, messages });
}

function consumer(groupId: string | null, extra: Record<string, unknown> = {}): KafkaConsumer<string | null, string | null> {
  return new KafkaConsumer({
    'bootstrap.servers': node.bootstrap,
    ...(groupId === null ? {} : { 'group.id': groupId }),
    'auto.offset.reset': 'earliest',
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
    'fetch.max.wait.ms': 100,
    'key.deserializer': stringDeserializer,
    'value.deserializer': stringDeserializer,
    ...extra,
  });
}

/** Polls until `count` records came (bounded by time). */
async function pollUntil<K, V>(c: KafkaConsumer<K, V>, count: number, timeoutMs = 20_000): Promise<ConsumerRecord<K, V>[]> {
  const records: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await c.poll(200)));
  return records;
}

const sortedValues = (records: readonly ConsumerRecord<unknown, string | null>[]) => records.map((r) => r.value).sort();

describe('KafkaConsumer against a broker started from the CLI', () => {
  it('subscribes as a group member, reads every record once in offset order per partition, and commits what it read', async () => {
    await node.createTopic('basic', 3);
    await produce('basic', 30, 3);
    const c = consumer('basic-group', { 'enable.auto.commit': false, 'max.poll.records': 7 });
    const assigned: TopicPartition[][] = [];
    c.subscribe(['basic'], { onPartitionsAssigned: (partitions) => void assigned.push(partitions) });
    const records = await pollUntil(c, 30);
    expect(records.length).toBe(30);
    expect(sortedValues(records)).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    for (const p of [0, 1, 2]) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
      expect(records.find((r) => r.partition === p && r.offset === 0n)?.value).toBe(`v${p}`);
    }
    expect(assigned.flat().map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
    await c.commitSync();
    expect((await c.committed([0, 1, 2].map((partition) => ({ topic: 'basic', partition })))).map((o) => o.offset)).toEqual([10n, 10n, 10n]);
    await c.close();
  });
});
