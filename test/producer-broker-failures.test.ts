import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaTimeoutError } from '../client/client-error.js';
import { KafkaProducer, type RecordMetadata } from '../client/producer/kafka-producer.js';
import { useFreshetNode } from './support/use-freshet-node.js';

/**
 * Our producer while its broker (the CLI in a child process) crashes or
 * stops: with idempotence every send resolves exactly once and the log holds
 * each record once, in send order; with the broker gone, send() waits for
 * buffer room up to max.block.ms, memory stays within buffer.memory, and
 * queued records fail after delivery.timeout.ms.
 */
describe('KafkaProducer when the broker fails', () => {
  const node = useFreshetNode();

  it('keeps order and writes each record once across a kill -9 of the broker (idempotence)', async () => {
    const partitions = 3;
    const total = 6000;
    await node().createTopic('crash-order', partitions);
    const producer = new KafkaProducer<string, string>({
      'bootstrap.servers': node().bootstrap,
      'key.serializer': 'string',
      'value.serializer': 'string',
      'linger.ms': 1,
      'batch.size': 2048,
      'retry.backoff.max.ms': 200,
    });
    const results: Promise<RecordMetadata>[] = [];
    // Sends go on at full speed while the broker is killed (twice) and started again, so some
    // batches are written but unanswered when it dies, and their retries reach the restarted broker.
    let crashes = Promise.resolve();
    for (let i = 0; i < total; i++) {
      results.push(producer.send({ topic: 'crash-order', partition: i % partitions, value: String(i) }));
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      if (i === total / 4 || i === total / 2) {
        // Not awaited: the kill lands while requests just written are being appended.
        await crashes;
        crashes = node().kill().then(() => node().restart());
      }
    }
    const settled = await Promise.allSettled(results);
    await crashes;
    await producer.close();
    const failed = settled.filter((result) => result.status === 'rejected');
    expect(failed.map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const metadata = settled.map((result) => (result as PromiseFulfilledResult<RecordMetadata>).value);
    // Every send got its own offset, rising in send order within each partition.
    for (let p = 0; p < partitions; p++) {
      const offsets = metadata.filter((m) => m.partition === p).map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, n) => n));
    }

    const kafka = new Kafka({ clientId: 'crash-order', brokers: [node().bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'crash-order-reader' });
    const read: { partition: number; offset: string; value: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'crash-order', fromBeginning: true });
    void consumer.run({ eachMessage: async ({ partition, message }) => void read.push({ partition, offset: message.offset, value: message.value!.toString() }) });
    await expect.poll(() => read.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(total);
    await consumer.disconnect();
    expect(read).toHaveLength(total);
    for (let p = 0; p < partitions; p++) {
      const values = read.filter((r) => r.partition === p).map((r) => Number(r.value));
      expect(values).toEqual(Array.from({ length: total / partitions }, (_, n) => n * partitions + p));
    }
  }, 120_000);

  it('blocks send for buffer room up to max.block.ms, within buffer.memory, then expires queued records after delivery.timeout.ms', async () => {
    await node().createTopic('stopped-broker', 1);
    const bufferMemory = 64 * 1024;
    const producer = new KafkaProducer({
      'bootstrap.servers': node().bootstrap,
      'buffer.memory': bufferMemory,
      'max.block.ms': 1000,
      'request.timeout.ms': 1500,
      'delivery.timeout.ms': 4000,
      'linger.ms': 0,
    });
    await producer.send({ topic: 'stopped-broker', value: 'before' });
    await node().stop();

    const value = Buffer.alloc(1024, 7);
    const outcomes: { index: number; error: unknown; atMs: number }[] = [];
    const startMs = Date.now();
    const sends = Array.from({ length: 100 }, (_, index) =>
      producer.send({ topic: 'stopped-broker', value }).then(
        () => outcomes.push({ index, error: null, atMs: Date.now() - startMs }),
        (error: unknown) => outcomes.push({ index, error, atMs: Date.now() - startMs }),
      ),
    );
    // About 60 records fit in 64 KiB: the rest wait for room, and memory stays within the budget.
    await expect.poll(() => producer.metrics()['waiting-threads']).toBeGreaterThan(0);
    expect(producer.metrics()['buffer-available-bytes']).toBeGreaterThanOrEqual(0);
    const queued = 100 - producer.metrics()['waiting-threads'];
    expect(queued).toBeGreaterThan(50);
    expect(queued).toBeLessThan(64);

    await Promise.all(sends);
    const blocked = outcomes.filter((o) => o.error instanceof KafkaTimeoutError && o.error.message.startsWith('REQUEST_TIMED_OUT: Failed to allocate memory within the configured max blocking time 1000 ms.'));
    const expired = outcomes.filter((o) => o.error instanceof KafkaTimeoutError && /Expiring \d+ record\(s\) for stopped-broker-0/.test((o.error as Error).message));
    expect(outcomes.filter((o) => !blocked.includes(o) && !expired.includes(o)).map((o) => String(o.error))).toEqual([]);
    expect(blocked.length + expired.length).toBe(100);
    expect(expired.length).toBe(queued);
    // Waiting sends gave up after max.block.ms, long before the queued ones expired at delivery.timeout.ms.
    for (const o of blocked) expect(o.atMs).toBeLessThan(3000);
    for (const o of expired) expect(o.atMs).toBeGreaterThanOrEqual(3900);
    expect(producer.metrics()['buffer-available-bytes']).toBe(bufferMemory);
    await producer.close(0);
  }, 60_000);
});
