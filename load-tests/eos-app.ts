// The exactly-once application of the `eos` scenario, run as its own process
// (so the scenario can kill it with -9): instance k of n owns the input
// partitions p with p % n = k and copies their records to the same partition
// of the output topic, each tagged with where it was read (its id becomes
// `id@partition:offset`, so an input record stored twice by a retrying
// producer is still two records to copy once each), committing its input offsets in the same transaction
// (kafkajs `transaction()`, `sendOffsets`). It reads read_committed with a
// group-less consumer from the group's committed offsets. Its transactional
// id is fixed per instance, so a restarted instance fences the killed one:
// InitProducerId aborts the killed instance's open transaction or waits for
// its commit to finish, and only then are the committed offsets read. Any
// error ends the process (after aborting the open transaction); the scenario
// starts it again, which starts over from the committed offsets.
//
//   node --import tsx load-tests/eos-app.ts --bootstrap host:port --input t --output t --group g --instance k --instances n
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { KafkaConsumer } from '../client/kafka-consumer.js';
import type { LoadRecordValue } from './load-producer.js';
import { tagged } from './eos-tag.js';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    group: { type: 'string' },
    instance: { type: 'string' },
    instances: { type: 'string' },
  },
});
const bootstrap = values.bootstrap!;
const input = values.input!;
const output = values.output!;
const group = values.group!;
const instance = Number(values.instance);
const instances = Number(values.instances);

let stopping = false;
process.on('SIGTERM', () => (stopping = true));

const kafka = new Kafka({ clientId: `${group}-${instance}`, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 2000 } });
const producer = kafka.producer({ transactionalId: `${group}-${instance}`, idempotent: true, maxInFlightRequests: 1 });
const admin = kafka.admin();
// No group: this instance reads the partitions it owns, and commits their offsets in its transactions.
const consumer = new KafkaConsumer({
  'bootstrap.servers': bootstrap,
  'client.id': `${group}-${instance}-reader`,
  'isolation.level': 'read_committed',
  'auto.offset.reset': 'earliest',
  'fetch.max.wait.ms': 200,
  'enable.auto.commit': false,
});
try {
  await producer.connect();
  await admin.connect();
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [input] });
  const owned = committed!.partitions.filter((p) => p.partition % instances === instance).map((p) => ({ partition: p.partition, start: BigInt(p.offset) < 0n ? 0n : BigInt(p.offset) }));
  consumer.assign(owned.map(({ partition }) => ({ topic: input, partition })));
  for (const { partition, start } of owned) consumer.seek({ topic: input, partition }, start);
  process.stdout.write(`eos-app ${instance}: ${owned.map((o) => `${input}-${o.partition}@${o.start}`).join(', ')}\n`);
  while (!stopping) {
    const records = await consumer.poll(200);
    if (records.length === 0) continue;
    const txn = await producer.transaction();
    try {
      const messages = records.map((r) => {
        const value = JSON.parse(r.value!.toString()) as LoadRecordValue;
        return { partition: r.partition, key: r.key, value: JSON.stringify({ ...value, id: tagged(value.id, r.partition, r.offset) }) };
      });
      await txn.send({ topic: output, acks: -1, messages });
      const offsets = await Promise.all(owned.map(async ({ partition }) => ({ partition, offset: String(await consumer.position({ topic: input, partition })) })));
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: offsets }] });
      await txn.commit();
    } catch (error) {
      await txn.abort().catch(() => {});
      throw error;
    }
  }
} catch (error) {
  process.stderr.write(`eos-app ${instance}: ${String(error)}\n`);
  process.exitCode = 1;
} finally {
  await consumer.close().catch(() => {});
  await admin.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
}
