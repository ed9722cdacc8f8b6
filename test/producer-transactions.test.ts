import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { IllegalStateError, KafkaClientError, ProducerFencedError } from '../client/client-error.js';
import { KafkaProducer } from '../client/producer/kafka-producer.js';
import type { FreshetNode } from './support/freshet-node.js';
import { useFreshetNode } from './support/use-freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * Our transactional producer against a broker started as a user does:
 * committed records are seen by read_committed readers (kcat, kafkajs),
 * aborted ones are not; offsets sent to the transaction are committed with
 * it; a second producer with the same transactional.id fences the first.
 */
describe('KafkaProducer transactions', () => {
  const freshet = useFreshetNode({ properties: { 'transaction.state.log.num.partitions': 4 } });
  let node: FreshetNode;
  let kafka: Kafka;

  beforeAll(async () => {
    node = freshet();
    kafka = new Kafka({ clientId: 'txn-check', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    await node.createTopic('txn-out', 3);
    await node.createTopic('txn-in', 1);
  }, 60_000);

  const producerFor = (transactionalId: string): KafkaProducer<string, string> =>
    new KafkaProducer<string, string>({ 'bootstrap.servers': node.bootstrap, 'transactional.id': transactionalId, 'key.serializer': 'string', 'value.serializer': 'string' });

  it.runIf(requireKcat())('shows read_committed readers the committed records only, and commits sent offsets with the transaction', async () => {
    const producer = producerFor('txn-a');
    await expect(producer.send({ topic: 'txn-out', value: 'too early' })).rejects.toBeInstanceOf(IllegalStateError);
    await producer.initTransactions();

    producer.beginTransaction();
    const committed = Array.from({ length: 30 }, (_, i) => `committed-${i}`);
    await Promise.all(committed.map((value, i) => producer.send({ topic: 'txn-out', key: `k${i}`, value })));
    await producer.sendOffsetsToTransaction([{ topic: 'txn-in', partition: 0, offset: 42n }], 'txn-group');
    await producer.commitTransaction();

    producer.beginTransaction();
    const aborted = Array.from({ length: 30 }, (_, i) => `aborted-${i}`);
    await Promise.all(aborted.map((value, i) => producer.send({ topic: 'txn-out', key: `k${i}`, value })));
    await producer.abortTransaction();

    producer.beginTransaction();
    await producer.send({ topic: 'txn-out', key: 'k0', value: 'last' });
    await producer.commitTransaction();
    await producer.close();

    const readCommitted = await runKcat(['-C', '-b', node.bootstrap, '-t', 'txn-out', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%s\n']);
    expect(readCommitted.code, readCommitted.stderr).toBe(0);
    expect(readCommitted.stdout.toString().trimEnd().split('\n').sort()).toEqual([...committed, 'last'].sort());
    const readUncommitted = await runKcat(['-C', '-b', node.bootstrap, '-t', 'txn-out', '-e', '-q', '-X', 'isolation.level=read_uncommitted', '-f', '%s\n']);
    expect(readUncommitted.stdout.toString().trimEnd().split('\n')).toHaveLength(61);

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: 'txn-group', topics: ['txn-in'] });
    await admin.disconnect();
    expect(offsets!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '42' })]);
  }, 60_000);

  it('fences the older producer when a new one initializes the same transactional.id', async () => {
    const older = producerFor('txn-fenced');
    await older.initTransactions();
    older.beginTransaction();
    await older.send({ topic: 'txn-out', value: 'older' });

    const newer = producerFor('txn-fenced');
    await newer.initTransactions();

    const failure = await older.commitTransaction().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaClientError);
    expect(failure).toBeInstanceOf(ProducerFencedError);
    expect((failure as KafkaClientError).fatal).toBe(true);
    await older.close();

    newer.beginTransaction();
    await newer.send({ topic: 'txn-out', value: 'newer' });
    await newer.commitTransaction();
    await newer.close();
  }, 60_000);
});
