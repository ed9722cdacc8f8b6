import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../client/broker-connection.js';
import { RECOVERY_POINT_CHECKPOINT } from '../core/log/log-dir-layout.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DeleteRecordsResponse } from '../core/protocol/generated/messages/delete-records.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../core/protocol/generated/messages/init-producer-id.js';
import type { ListOffsetsResponse } from '../core/protocol/generated/messages/list-offsets.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * Idempotent produce at the protocol level, against `freshet server-start` in
 * a child process: InitProducerId, a re-sent request answered with its first
 * offsets and appended once, sequence gaps refused, and duplicates still
 * found after kill -9 and after a clean restart.
 */
let node: FreshetNode;
let connection: BrokerConnection;

beforeAll(async () => {
  // A 200 ms retention check makes housekeeping sync rolled segments (the recovery point) within the tests.
  node = await startFreshetNode({ properties: { 'log.retention.check.interval.ms': 200 } });
  connection = await BrokerConnection.connect(node.host, node.port);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await node?.destroy();
});

function initProducerId(request: Partial<InitProducerIdRequest>, version = 4): Promise<InitProducerIdResponse> {
  return connection.request<InitProducerIdResponse>(
    ApiKey.InitProducerId,
    { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, ...request },
    version,
  );
}

interface Producer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

async function produce(topic: string, producer: Producer, baseSequence: number, values: string[]) {
  const records = buildUncompressedRecordBatch({
    records: values.map((value) => ({ value: Buffer.from(value), timestamp: Date.now() })),
    producerId: producer.producerId,
    producerEpoch: producer.producerEpoch,
    baseSequence,
  });
  const response = await connection.request<ProduceResponse>(
    ApiKey.Produce,
    { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] },
    9,
  );
  const partition = response.responses[0]!.partitionResponses[0]!;
  return { errorCode: partition.errorCode, baseOffset: partition.baseOffset };
}

async function logEndOffset(topic: string): Promise<bigint> {
  const response = await connection.request<ListOffsetsResponse>(
    ApiKey.ListOffsets,
    { replicaId: -1, isolationLevel: 0, timeoutMs: 1000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] },
    8,
  );
  return response.topics[0]!.partitions[0]!.offset;
}

/** DeleteRecords below `offset`: the broker writes its checkpoints after one succeeds. */
async function deleteRecordsBefore(topic: string, offset: bigint): Promise<number> {
  const response = await connection.request<DeleteRecordsResponse>(ApiKey.DeleteRecords, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 5000 }, 1);
  return response.topics[0]!.partitions[0]!.errorCode;
}

async function newProducer(): Promise<Producer> {
  const response = await initProducerId({});
  expect(response.errorCode).toBe(ErrorCode.NONE);
  return { producerId: response.producerId, producerEpoch: response.producerEpoch };
}

describe('InitProducerId', () => {
  it('gives each idempotent producer its own id with epoch 0, in every version', async () => {
    const ids = new Set<bigint>();
    for (let version = 0; version <= 5; version++) {
      const response = await initProducerId({}, version);
      expect([response.errorCode, response.producerEpoch]).toEqual([ErrorCode.NONE, 0]);
      expect(response.producerId).toBeGreaterThanOrEqual(0n);
      ids.add(response.producerId);
    }
    expect(ids.size).toBe(6);
  });

  it('answers a request carrying a producerId/epoch with a new id and epoch 0, as Kafka does, so two producers never share one', async () => {
    const first = await newProducer();
    // @platformatic/kafka sends 0/0 on its first init; a claim like this must not hand out someone's id.
    const claims = [await initProducerId({ producerId: first.producerId, producerEpoch: 0 }), await initProducerId({ producerId: 0n, producerEpoch: 0 }, 3)];
    for (const claim of claims) expect(claim).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
    expect(new Set([first.producerId, ...claims.map((c) => c.producerId)]).size).toBe(3);
  });

  it('fences the old epoch in the partition once the producer has bumped its own epoch (KIP-360)', async () => {
    await node.createTopic('bumped', 1);
    const first = await newProducer();
    expect(await produce('bumped', first, 0, ['a'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    const bumped = { ...first, producerEpoch: 1 };
    expect(await produce('bumped', bumped, 0, ['b'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 1n });
    expect((await produce('bumped', first, 1, ['late'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await logEndOffset('bumped')).toBe(2n);
  });

  it('sends a transactional id to its coordinator (NOT_COORDINATOR before FindCoordinator created __transaction_state) and refuses an empty one and an id without an epoch', async () => {
    expect((await initProducerId({ transactionalId: 'orders-tx' })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await initProducerId({ transactionalId: '' })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await initProducerId({ producerId: 5n, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('idempotent Produce', () => {
  it('answers a re-sent request with its first base offset, appends nothing, and refuses a sequence gap', async () => {
    await node.createTopic('dedup', 1);
    const producer = await newProducer();
    expect(await produce('dedup', producer, 0, ['a', 'b', 'c'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce('dedup', producer, 0, ['a', 'b', 'c'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await logEndOffset('dedup')).toBe(3n);
    expect((await produce('dedup', producer, 5, ['gap'])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce('dedup', producer, 3, ['d'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 3n });
    expect(await logEndOffset('dedup')).toBe(4n);
  });

  it('still finds the duplicate after kill -9 and after a clean restart, and the sequence continues', async () => {
    await node.createTopic('survives', 1);
    const producer = await newProducer();
    expect(await produce('survives', producer, 0, ['a', 'b'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce('survives', producer, 2, ['c'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 2n });

    const reconnect = async (restart: () => Promise<unknown>): Promise<void> => {
      connection.close();
      await restart();
      await node.restart();
      connection = await BrokerConnection.connect(node.host, node.port);
    };

    await reconnect(() => node.kill());
    expect(await produce('survives', producer, 2, ['c'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 2n });
    expect(await produce('survives', producer, 0, ['a', 'b'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await logEndOffset('survives')).toBe(3n);
    expect((await produce('survives', producer, 4, ['gap'])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await produce('survives', producer, 3, ['d'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 3n });

    await reconnect(async () => {
      await node.stop();
      // A clean shutdown leaves Kafka's producer snapshot, named after the log end offset.
      expect(readdirSync(join(node.logDir, 'survives-0')).filter((name) => name.endsWith('.snapshot'))).toEqual(['00000000000000000004.snapshot']);
    });
    expect(await produce('survives', producer, 3, ['d'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 3n });
    expect(await produce('survives', producer, 4, ['e'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 4n });
    expect(await logEndOffset('survives')).toBe(5n);
    // Ids handed out after the restarts come from a new block: the controller's allocation survived in __cluster_metadata.
    expect((await newProducer()).producerId).toBeGreaterThan(producer.producerId);
  }, 90_000);

  it('after kill -9 still finds a duplicate older than the last two segments: the snapshot taken at the roll remembers its producer', async () => {
    await node.createTopic('rolled', 1, { 'segment.bytes': '100' });
    const [early, busy] = [await newProducer(), await newProducer()];
    expect(await produce('rolled', early, 0, ['early'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    for (let i = 0; i < 5; i++) expect(await produce('rolled', busy, i, [`busy-${i}`])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: BigInt(i + 1) });
    // Each batch fills a segment: one snapshot per roll, named after the new segment's base offset.
    const snapshots = () => readdirSync(join(node.logDir, 'rolled-0')).filter((name) => name.endsWith('.snapshot')).sort();
    expect(snapshots()).toEqual([1, 2, 3, 4, 5].map((offset) => `${String(offset).padStart(20, '0')}.snapshot`));
    // Housekeeping syncs the rolled segments (recovery point 5); a DeleteRecords that deletes nothing writes the
    // checkpoint now rather than at the 60 s checkpoint interval.
    const checkpoint = join(node.logDir, RECOVERY_POINT_CHECKPOINT);
    const checkpointed = () => existsSync(checkpoint) && readFileSync(checkpoint, 'utf8').split('\n').includes('rolled 0 5');
    for (let tries = 0; !checkpointed() && tries < 50; tries++) {
      expect(await deleteRecordsBefore('rolled', 0n)).toBe(ErrorCode.NONE);
      await sleep(100);
    }
    expect(checkpointed()).toBe(true);

    connection.close();
    await node.kill();
    await node.restart();
    connection = await BrokerConnection.connect(node.host, node.port);
    // Replaying only the last two segments (4 and 5) would have forgotten `early`, and appended its retry at 6.
    expect(await produce('rolled', early, 0, ['early'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(await produce('rolled', busy, 4, ['busy-4'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 5n });
    expect(await logEndOffset('rolled')).toBe(6n);
    expect(await produce('rolled', early, 1, ['early-1'])).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 6n });
  }, 60_000);
});
