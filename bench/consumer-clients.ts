import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaConsumer } from '../client/kafka-consumer.js';
import { BenchAdmin } from './e2e/admin.js';
import { startBrokerNode } from './e2e/broker-node.js';
import { kcatConsume, kcatPath, kcatProduce, writeRecordFile } from './e2e/kcat.js';
import { formatTable } from './table.js';

/**
 * Consumer throughput, side by side in one run: the same topic of 1 KiB
 * records (written once by kcat) read from the beginning to the end by kcat
 * (librdkafka), kafkajs, @platformatic/kafka and freshet's KafkaConsumer, each
 * in a group of its own against one Freshet node started from the CLI.
 * `npx tsx bench/consumer-clients.ts [records]`.
 */
const RECORDS = Number(process.argv[2] ?? 100_000);
const RECORD_BYTES = 1024;
const PARTITIONS = 4;
const TOPIC = 'consumer-bench';

interface Result {
  client: string;
  seconds: number;
  records: number;
}

async function timed(client: string, consume: () => Promise<number>): Promise<Result> {
  const start = process.hrtime.bigint();
  const records = await consume();
  return { client, records, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function ours(bootstrap: string): Promise<number> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': 'bench-freshet', 'auto.offset.reset': 'earliest', 'check.crcs': true });
  consumer.subscribe([TOPIC]);
  let count = 0;
  const deadline = Date.now() + 300_000;
  while (count < RECORDS && Date.now() < deadline) count += (await consumer.poll(500)).length;
  await consumer.close();
  return count;
}

async function kafkajs(bootstrap: string): Promise<number> {
  const consumer = new Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: 'bench-kafkajs' });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kafkajs read ${count} of ${RECORDS} in 300 s`)), 300_000);
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          count += batch.messages.length;
          if (count >= RECORDS) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return count;
}

async function platformatic(bootstrap: string): Promise<number> {
  const consumer = new PlatformaticConsumer({ clientId: 'bench-platformatic', groupId: 'bench-platformatic', bootstrapBrokers: [bootstrap] });
  const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest' });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`@platformatic/kafka read ${count} of ${RECORDS} in 300 s`)), 300_000);
    stream.on('data', () => {
      if (++count === RECORDS) {
        clearTimeout(timer);
        resolve();
      }
    });
    stream.on('error', reject);
  });
  await stream.close();
  await consumer.close(true);
  return count;
}

async function main(): Promise<void> {
  if (kcatPath === undefined) throw new Error('kcat is not installed (apt-get install -y kcat)');
  // No initial rebalance delay: the group clients would each wait 3 s that kcat -C (no group) does not.
  const broker = await startBrokerNode({ properties: ['group.initial.rebalance.delay.ms=0'] });
  const dir = mkdtempSync(join(tmpdir(), 'consumer-bench-'));
  try {
    const admin = await BenchAdmin.connect(broker.bootstrap);
    await admin.createTopic(TOPIC, PARTITIONS);
    const file = join(dir, 'records');
    writeRecordFile(file, RECORD_BYTES, RECORDS);
    await kcatProduce({ bootstrap: broker.bootstrap, topic: TOPIC, file, acks: '1', compression: 'none', count: RECORDS });
    const held = await admin.recordCount(TOPIC);
    if (held !== RECORDS) throw new Error(`the topic holds ${held} records, not ${RECORDS}`);
    const results: Result[] = [];
    results.push(await timed('kcat (librdkafka)', async () => (await kcatConsume({ bootstrap: broker.bootstrap, topic: TOPIC, expected: RECORDS })).records));
    results.push(await timed('kafkajs 2.2.4', () => kafkajs(broker.bootstrap)));
    results.push(await timed('@platformatic/kafka 1.x', () => platformatic(broker.bootstrap)));
    results.push(await timed('freshet KafkaConsumer', () => ours(broker.bootstrap)));
    const kcat = results[0]!;
    const mb = (RECORDS * RECORD_BYTES) / 1024 / 1024;
    console.log(`Consumer throughput, ${RECORDS} records of ${RECORD_BYTES} B in ${PARTITIONS} partitions, one Freshet node (group join included)\n`);
    console.log(
      formatTable(
        ['client', 'records', 'seconds', 'records/s', 'MB/s', 'vs kcat'],
        results.map((r) => [r.client, String(r.records), r.seconds.toFixed(2), (r.records / r.seconds).toFixed(0), (mb / r.seconds).toFixed(1), `${((kcat.seconds / r.seconds) * 100).toFixed(0)}%`]),
      ),
    );
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
