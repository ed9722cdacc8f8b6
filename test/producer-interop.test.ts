import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaProducer } from '../client/producer/kafka-producer.js';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { useFreshetNode } from './support/use-freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * Our producer against a broker started as a user starts it, read by
 * clients nobody here wrote: kcat (librdkafka) and kafkajs must see the very
 * bytes, keys, headers and order we sent, and keyed records must sit on the
 * partition Java's partitioner (kafkajs's JavaCompatiblePartitioner) and
 * librdkafka's murmur2_random choose.
 */
describe('KafkaProducer interoperability', () => {
  const node = useFreshetNode();

  it('writes records kafkajs reads byte for byte, with keys, headers and timestamps', async () => {
    await node().createTopic('interop-bytes', 3);
    const producer = new KafkaProducer({ 'bootstrap.servers': node().bootstrap, 'linger.ms': 2, 'compression.type': 'gzip' });
    const sent = Array.from({ length: 300 }, (_, i) => ({
      key: i % 7 === 0 ? null : Buffer.from(`key-${i % 11}`),
      value: Buffer.from(Array.from({ length: 50 + (i % 200) }, (_, j) => (i * 31 + j * 7) & 0xff)),
      headers: [{ key: 'n', value: Buffer.from(String(i)) }, { key: 'bin', value: Buffer.from([0, 255, i & 0xff]) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const metadata = await Promise.all(sent.map((record) => producer.send({ topic: 'interop-bytes', ...record })));
    await producer.close();

    const kafka = new Kafka({ clientId: 'interop', brokers: [node().bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'interop-bytes-reader' });
    const seen: { partition: number; offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, unknown>; timestamp: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'interop-bytes', fromBeginning: true });
    void consumer.run({ eachMessage: async ({ partition, message }) => void seen.push({ partition, ...message, headers: message.headers ?? {} }) });
    await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(sent.length);
    await consumer.disconnect();

    const byPosition = new Map(seen.map((record) => [`${record.partition}:${record.offset}`, record]));
    sent.forEach((record, i) => {
      const { partition, offset, timestamp } = metadata[i]!;
      expect(timestamp).toBe(record.timestamp);
      const read = byPosition.get(`${partition}:${offset}`);
      expect(read, `record ${i} at ${partition}:${offset}`).toBeDefined();
      expect(read!.key).toEqual(record.key);
      expect(read!.value).toEqual(record.value);
      expect(read!.headers).toEqual({ n: Buffer.from(String(i)), bin: Buffer.from([0, 255, i & 0xff]) });
      expect(read!.timestamp).toBe(String(record.timestamp));
    });
    // Each partition's records are in send order (kafkajs decompressed with its own gzip).
    for (let p = 0; p < 3; p++) {
      const offsets = metadata.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
    }
  }, 60_000);

  it.runIf(requireKcat())('writes records kcat reads identically, for every codec', async () => {
    await node().createTopic('interop-kcat', 1);
    const values: string[] = [];
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const producer = new KafkaProducer({ 'bootstrap.servers': node().bootstrap, 'compression.type': codec, 'value.serializer': 'string', 'key.serializer': 'string' });
      const batch = Array.from({ length: 40 }, (_, i) => `${codec}-${i}-${'x'.repeat(i * 13)}`);
      await Promise.all(batch.map((value) => producer.send({ topic: 'interop-kcat', key: `k-${value.length}`, value })));
      await producer.close();
      values.push(...batch);
    }
    const run = await runKcat(['-C', '-b', node().bootstrap, '-t', 'interop-kcat', '-e', '-q', '-f', '%o|%k|%s\n']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.toString().trimEnd().split('\n');
    expect(lines).toEqual(values.map((value, i) => `${i}|k-${value.length}|${value}`));
  }, 60_000);

  it.runIf(requireKcat())('puts keyed records where Java (kafkajs) and librdkafka murmur2_random put them', async () => {
    const partitions = 7;
    await node().createTopic('keyed-ours', partitions);
    await node().createTopic('keyed-kcat', partitions);
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i * 7919}-${'k'.repeat(i % 5)}`);
    const producer = new KafkaProducer<string, string>({ 'bootstrap.servers': node().bootstrap, 'key.serializer': 'string', 'value.serializer': 'string' });
    const ours = await Promise.all(keys.map((key) => producer.send({ topic: 'keyed-ours', key, value: key })));
    await producer.close();

    const java = Partitioners.JavaCompatiblePartitioner();
    const javaPartition = (key: string): number => java({ topic: 'keyed-ours', partitionMetadata: Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] })), message: { key, value: key } });
    expect(ours.map((m) => m.partition)).toEqual(keys.map(javaPartition));

    const produced = await runKcat(['-P', '-b', node().bootstrap, '-t', 'keyed-kcat', '-K', '|', '-X', 'partitioner=murmur2_random'], keys.map((key) => `${key}|${key}`).join('\n') + '\n');
    expect(produced.code, produced.stderr).toBe(0);
    const read = await runKcat(['-C', '-b', node().bootstrap, '-t', 'keyed-kcat', '-e', '-q', '-f', '%p|%k\n']);
    const kcatPartition = new Map(read.stdout.toString().trimEnd().split('\n').map((line) => [line.split('|')[1]!, Number(line.split('|')[0])]));
    expect(kcatPartition.size).toBe(keys.length);
    expect(ours.map((m, i) => [keys[i], m.partition])).toEqual(keys.map((key) => [key, kcatPartition.get(key)]));
  }, 60_000);

  it('places records by a custom partitioner, or stickily ignoring keys with partitioner.ignore.keys', async () => {
    await node().createTopic('placed', 4);
    const custom = new KafkaProducer<string, string>({
      'bootstrap.servers': node().bootstrap,
      'key.serializer': 'string',
      'value.serializer': 'string',
      'partitioner.class': ({ key, numPartitions }) => Number(key) % numPartitions,
    });
    const placed = await Promise.all(['5', '6', '7', '8'].map((key) => custom.send({ topic: 'placed', key, value: key })));
    expect(placed.map((m) => m.partition)).toEqual([1, 2, 3, 0]);
    await custom.close();

    const ignoring = new KafkaProducer<string, string>({ 'bootstrap.servers': node().bootstrap, 'key.serializer': 'string', 'value.serializer': 'string', 'partitioner.ignore.keys': true });
    // Different keys, one small burst: the sticky partition takes them all.
    const sticky = await Promise.all(Array.from({ length: 20 }, (_, i) => ignoring.send({ topic: 'placed', key: `key-${i}`, value: 'v' })));
    expect(new Set(sticky.map((m) => m.partition)).size).toBe(1);
    await ignoring.close();
  }, 60_000);

  it.runIf(requireKcat())('freshet producer-perf-test prints Kafka\'s progress lines and summary, throttled to --throughput', async () => {
    await node().createTopic('perf', 2);
    const startMs = Date.now();
    const run = await runFreshet(['producer-perf-test', '--topic', 'perf', '--num-records', '12000', '--record-size', '100', '--throughput', '2000', '--producer-props', `bootstrap.servers=${node().bootstrap}`, 'acks=all', 'linger.ms=5']);
    const elapsedMs = Date.now() - startMs;
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/);
    }
    const summary = lines.at(-1)!.match(/^12000 records sent, (\d+\.\d{6}) records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d\d ms avg latency, \d+\.\d\d ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/);
    expect(summary, lines.at(-1)).not.toBeNull();
    // 12000 records at 2000/s take about 6 s, whatever the machine could do.
    expect(Number(summary![1])).toBeLessThan(2200);
    expect(elapsedMs).toBeGreaterThan(5500);
    const percentiles = summary!.slice(2).map(Number);
    expect(percentiles).toEqual([...percentiles].sort((a, b) => a - b));
    const read = await runKcat(['-C', '-b', node().bootstrap, '-t', 'perf', '-e', '-q', '-f', '%S\n']);
    const sizes = read.stdout.toString().trimEnd().split('\n');
    expect(sizes).toHaveLength(12000);
    expect(new Set(sizes)).toEqual(new Set(['100']));
  }, 60_000);
});
