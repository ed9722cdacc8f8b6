import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { ProduceResponse, ProduceResponsePartitionProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { Compression } from '../core/protocol/record-batch-header.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { handMadeBatch, overlongRecord } from '../core/protocol/test-support/hand-made-batch.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * Every record of a produced batch is validated before it reaches the log
 * (issue 13, items 5 and 6), against `freshet server-start` in a child
 * process: a corrupt record under a valid CRC, keyless records on a compacted
 * topic and out-of-range timestamps are refused with Kafka's codes and
 * per-record errors, and consumers read on past nothing.
 */
let node: FreshetNode;
let connection: BrokerConnection;
const hasKcat = requireKcat();

beforeAll(async () => {
  // Kafka 4's broker-wide bound on future timestamps, which a topic's message.timestamp.after.max.ms overrides.
  node = await startFreshetNode({ properties: { 'log.message.timestamp.after.max.ms': 3_600_000 } });
  connection = await BrokerConnection.connect(node.host, node.port);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await node?.destroy();
});

async function produce(topic: string, records: Buffer, version = 9): Promise<ProduceResponsePartitionProduceResponse> {
  const response = await connection.request<ProduceResponse>(
    ApiKey.Produce,
    { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] },
    version,
  );
  return response.responses[0]!.partitionResponses[0]!;
}

const values = (...texts: string[]): Buffer =>
  buildUncompressedRecordBatch({ records: texts.map((text) => ({ key: Buffer.from(text), value: Buffer.from(text), timestamp: Date.now() })) });

/** kcat reads the whole partition and exits at its end (-e): it would hang at an undecodable record. */
async function kcatReads(topic: string): Promise<string[]> {
  const run = await runKcat(['-C', '-b', node.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o:%s\\n'], undefined, 20_000);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.toString().split('\n').filter((line) => line !== '');
}

describe('per-record validation on append', () => {
  it.runIf(hasKcat)('refuses a record whose length says 2^30 with 20 bytes behind it (valid CRC), in every codec, and kcat reads past nothing', async () => {
    const topic = 'overlong-record';
    await node.createTopic(topic, 1);
    expect((await produce(topic, values('before'))).errorCode).toBe(ErrorCode.NONE);
    for (const codec of [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
      const answer = await produce(topic, await handMadeBatch(overlongRecord(), { count: 1, codec, timestampMs: Date.now() }));
      expect(answer.errorCode, `codec ${codec}`).toBe(ErrorCode.INVALID_RECORD);
      expect(answer.errorMessage).toContain('expected 1073741824 bytes in record payload, but instead the buffer has only 20 remaining bytes');
      expect(answer.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: answer.errorMessage }]);
      expect(answer.baseOffset).toBe(-1n);
    }
    // Produce v7 has no error_message or record_errors: the code alone.
    const v7 = await produce(topic, await handMadeBatch(overlongRecord(), { count: 1 }), 7);
    expect([v7.errorCode, v7.errorMessage, v7.recordErrors]).toEqual([ErrorCode.INVALID_RECORD, null, []]);
    expect((await produce(topic, values('after'))).baseOffset).toBe(1n);
    expect(await kcatReads(topic)).toEqual(['0:before', '1:after']);
  }, 60_000);

  it('refuses keyless records on a compacted topic with a per-record error; kafkajs sees INVALID_RECORD and keyed records go through', async () => {
    const topic = 'compacted-keys';
    await node.createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    const mixed = buildUncompressedRecordBatch({
      records: [
        { key: Buffer.from('k'), value: Buffer.from('keyed'), timestamp: Date.now() },
        { key: null, value: Buffer.from('keyless'), timestamp: Date.now() },
      ],
    });
    const answer = await produce(topic, mixed);
    const message = `Compacted topic cannot accept message without key in topic partition ${topic}-0.`;
    expect(answer.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(answer.recordErrors).toEqual([{ batchIndex: 1, batchIndexErrorMessage: message }]);
    expect(answer.errorMessage).toBe(
      `One or more records have been rejected due to 1 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${message}')]`,
    );

    const kafka = new Kafka({ clientId: 'compacted-keys', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic, messages: [{ value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
      const [sent] = await producer.send({ topic, messages: [{ key: 'k1', value: 'with key' }] });
      expect(sent).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: '0' });
    } finally {
      await producer.disconnect();
    }
    if (hasKcat) expect(await kcatReads(topic)).toEqual(['0:with key']);
  }, 60_000);

  it('refuses CreateTime timestamps outside message.timestamp.before/after.max.ms (topic) or log.message.timestamp.*.max.ms (broker) with INVALID_TIMESTAMP per record', async () => {
    const topic = 'timestamp-bounds';
    await node.createTopic(topic, 1, { 'message.timestamp.before.max.ms': '3600000', 'message.timestamp.after.max.ms': '3600000' });
    const now = Date.now();
    const batch = buildUncompressedRecordBatch({
      records: [
        { key: Buffer.from('a'), value: Buffer.from('now'), timestamp: now },
        { key: Buffer.from('b'), value: Buffer.from('two hours ago'), timestamp: now - 7_200_000 },
      ],
    });
    const answer = await produce(topic, batch);
    expect(answer.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(answer.errorMessage).toBe('One or more records have been rejected due to invalid timestamp');
    expect(answer.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    expect(answer.recordErrors[0]!.batchIndexErrorMessage).toMatch(new RegExp(`^Timestamp ${now - 7_200_000} of message with offset 1 is out of range`));
    expect((await produce(topic, values('fresh'))).baseOffset).toBe(0n);

    // No topic override: log.message.timestamp.after.max.ms of the broker applies.
    const future = now + 7_200_000;
    const inTwoHours = buildUncompressedRecordBatch({ records: [{ key: Buffer.from('c'), value: Buffer.from('in two hours'), timestamp: future }] });
    const defaults = 'timestamp-broker-bound';
    await node.createTopic(defaults, 1);
    const refused = await produce(defaults, inTwoHours);
    expect(refused.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(refused.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: expect.stringMatching(new RegExp(`^Timestamp ${future} of message with offset 0 is out of range`)) }]);
    // The topic's own config overrides the broker's.
    const overridden = 'timestamp-topic-override';
    await node.createTopic(overridden, 1, { 'message.timestamp.after.max.ms': '86400000' });
    expect((await produce(overridden, inTwoHours)).errorCode).toBe(ErrorCode.NONE);
  }, 60_000);
});
