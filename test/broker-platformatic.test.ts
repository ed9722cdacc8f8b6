import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Consumer as ConsumerV2, Producer as ProducerV2 } from '@platformatic/kafka-v2';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/** @platformatic/kafka against the broker's data path: 1.35.0, and 2.x (the version for Node >= 22). */
const RECORDS = 20_000;
const PARTITIONS = 6;
const V2_RECORDS = 4000;
const V2_PARTITIONS = 4;

let node: FreshetNode;

interface Consumed<K, V> {
  readonly offset: bigint;
  readonly seq: number;
  readonly key: K;
  readonly value: V;
}

/** The first `total` records of a consumer stream, by partition, as `consumed` reads each (with its producer-side sequence number). */
async function collect<M extends { partition: number }, K, V>(stream: AsyncIterable<M>, total: number, consumed: (message: M) => Consumed<K, V>): Promise<Map<number, Consumed<K, V>[]>> {
  const byPartition = new Map<number, Consumed<K, V>[]>();
  let count = 0;
  for await (const message of stream) {
    const list = byPartition.get(message.partition) ?? [];
    list.push(consumed(message));
    byPartition.set(message.partition, list);
    if (++count === total) break;
  }
  expect(count).toBe(total);
  return byPartition;
}

/** Each partition read from offset 0 without a gap, in produce order; every record once, as `expectRecord` checks it. */
function expectEachOnceInOrder<K, V>(byPartition: Map<number, Consumed<K, V>[]>, total: number, expectRecord: (seq: number, key: K, value: V) => void): void {
  const seen = new Set<number>();
  for (const list of byPartition.values()) {
    expect(list.map((r) => r.offset)).toEqual(list.map((_, i) => BigInt(i)));
    for (let i = 0; i < list.length; i++) {
      const { seq, key, value } = list[i]!;
      if (i > 0) expect(seq).toBeGreaterThan(list[i - 1]!.seq);
      expectRecord(seq, key, value);
      seen.add(seq);
    }
  }
  expect(seen.size).toBe(total);
}

beforeAll(async () => {
  node = await startFreshetNode();
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

describe('@platformatic/kafka 1.35.0', () => {
  it('produces 20,000 keyed records with headers to 6 partitions and consumes each once, in order, byte for byte', async () => {
    const topic = 'platformatic-orders';
    await node.createTopic(topic, PARTITIONS);
    const producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: [node.bootstrap], serializers: stringSerializers, autocreateTopics: false });
    for (let start = 0; start < RECORDS; start += 1000) {
      await producer.send({
        messages: Array.from({ length: 1000 }, (_, j) => ({
          topic,
          key: `key-${start + j}`,
          value: `value-${start + j}-${'y'.repeat((start + j) % 40)}`,
          headers: new Map([['seq', String(start + j)]]),
        })),
      });
    }
    await producer.close();

    const consumer = new Consumer({
      groupId: 'platformatic-group',
      clientId: 'pk-consumer',
      bootstrapBrokers: [node.bootstrap],
      deserializers: stringDeserializers,
      maxWaitTime: 200,
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    const byPartition = await collect(stream, RECORDS, (m) => ({ offset: m.offset, key: m.key, value: m.value, seq: Number(m.headers.get('seq')) }));
    await stream.close();
    await consumer.close(true);

    expectEachOnceInOrder(byPartition, RECORDS, (seq, key, value) => {
      expect(key).toBe(`key-${seq}`);
      expect(value).toBe(`value-${seq}-${'y'.repeat(seq % 40)}`);
    });
  }, 90_000);
});

describe('@platformatic/kafka 2.x', () => {
  it.each(['none', 'zstd'] as const)('produces random binary records (%s) and a group consumer reads each once, in order, byte for byte', async (compression) => {
    const topic = `platformatic-v2-${compression}`;
    await node.createTopic(topic, V2_PARTITIONS);
    const sent = Array.from({ length: V2_RECORDS }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: randomBytes(1 + ((i * 37) % 600)),
      headers: new Map([[Buffer.from('seq'), Buffer.from(String(i))]]),
    }));
    const producer = new ProducerV2({ clientId: 'pk2-producer', bootstrapBrokers: [node.bootstrap], autocreateTopics: false, compression });
    for (let start = 0; start < V2_RECORDS; start += 500) {
      await producer.send({ messages: sent.slice(start, start + 500).map((record) => ({ topic, ...record })) });
    }
    await producer.close();

    const consumer = new ConsumerV2({ groupId: `pk2-group-${compression}`, clientId: 'pk2-consumer', bootstrapBrokers: [node.bootstrap], maxWaitTime: 200 });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    const seqOf = (headers: Map<Buffer, Buffer>): number => Number([...headers].find(([name]) => name.toString() === 'seq')?.[1].toString());
    const byPartition = await collect(stream, V2_RECORDS, (m) => ({ offset: m.offset, key: m.key, value: m.value, seq: seqOf(m.headers) }));
    await stream.close();
    await consumer.close(true);

    expectEachOnceInOrder(byPartition, V2_RECORDS, (seq, key, value) => {
      expect(Buffer.compare(key, sent[seq]!.key)).toBe(0);
      expect(Buffer.compare(value, sent[seq]!.value)).toBe(0);
    });
  }, 90_000);
});
