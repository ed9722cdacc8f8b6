import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { FrameDecoder, frameBuffer } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { ProduceResponse } from '../core/protocol/generated/messages/produce.js';
import { buildUncompressedRecordBatch } from '../core/protocol/records/record-batch-builder.js';
import { decodeResponse, encodeRequest } from '../core/protocol/request-frames.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { readValues } from './support/kafkajs-read.js';

/**
 * Bad input on one connection never affects another, and never reaches the
 * log: only the records of valid batches are stored and counted.
 */
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'socket.request.max.bytes': 1 << 20 } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

function produceFrame(correlationId: number, topic: string, records: Buffer, version = 9): Buffer {
  return frameBuffer(
    encodeRequest(
      { requestApiKey: ApiKey.Produce, requestApiVersion: version, correlationId, clientId: 'raw' },
      { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] },
    ),
  );
}

function batch(values: string[]): Buffer {
  return buildUncompressedRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v), timestamp: Date.now() })) });
}

/** Writes `bytes` on a fresh connection; resolves with the response frames and whether the broker closed it. */
async function exchange(bytes: Buffer, expectedResponses: number, timeoutMs = 3000): Promise<{ responses: Buffer[]; closed: boolean }> {
  const socket: Socket = connect({ port: node.port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const decoder = new FrameDecoder(1 << 24);
  const responses: Buffer[] = [];
  let closed = false;
  socket.on('error', () => {});
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      responses.push(...decoder.push(chunk).map((f) => Buffer.from(f)));
      if (responses.length >= expectedResponses && expectedResponses > 0) finish();
    });
    socket.once('close', () => {
      closed = true;
      finish();
    });
    socket.write(bytes);
  });
}

function produceError(frame: Buffer, version = 9): number {
  const { body } = decodeResponse(frame, ApiKey.Produce, version) as { body: ProduceResponse };
  return body.responses[0]!.partitionResponses[0]!.errorCode;
}

describe('bad input', () => {
  it('closes only the offending connections, answers corrupt batches with errors, and stores only valid records', async () => {
    const topic = 'bad-input';
    await node.createTopic(topic, 1);
    const before = metricValue(await node.metrics(), 'freshet_topic_messages_in_total', { topic });
    const kafka = new Kafka({ clientId: 'good', brokers: [node.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    let producing = true;
    const goodTraffic = (async () => {
      while (producing) {
        await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `good-${produced + i}` })) });
        produced += 50;
      }
    })();

    const corrupt = batch(['corrupt']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const oldMagic = batch(['old']);
    oldMagic.writeInt8(1, 16);
    const truncated = produceFrame(5, topic, batch(['cut']));
    truncated.writeInt32BE(truncated.length - 4 - 10, 0);
    const oversized = Buffer.alloc(4);
    oversized.writeInt32BE((1 << 20) + 1);

    const [garbage, tooBig, cut, badBatches] = await Promise.all([
      exchange(Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('not a kafka!')]), 0),
      exchange(Buffer.concat([produceFrame(1, topic, batch(['before-oversized'])), oversized]), 0),
      exchange(truncated.subarray(0, truncated.length - 10), 0),
      exchange(Buffer.concat([produceFrame(2, topic, corrupt), produceFrame(3, topic, oldMagic), produceFrame(4, topic, Buffer.alloc(30, 7))]), 3),
    ]);
    producing = false;
    await goodTraffic;
    await producer.disconnect();

    expect(garbage.closed).toBe(true);
    expect(tooBig.closed).toBe(true);
    // The request before the oversized frame was answered (and its record stored).
    expect(tooBig.responses.map((f) => produceError(f))).toEqual([ErrorCode.NONE]);
    expect(cut.closed).toBe(true);
    expect(badBatches.closed).toBe(false);
    expect(badBatches.responses.map((f) => produceError(f))).toEqual([ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_RECORD]);

    // The log holds exactly the good records (plus the one valid raw batch), each once.
    const consumer = kafka.consumer({ groupId: 'bad-input-check', maxWaitTimeInMs: 100 });
    const values = await readValues(consumer, topic, produced + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await consumer.disconnect();
    expect(values).toHaveLength(produced + 1);
    expect(values.filter((v) => v.startsWith('good-')).sort()).toEqual(Array.from({ length: produced }, (_, i) => `good-${i}`).sort());
    expect(values).toContain('before-oversized');
    const after = metricValue(await node.metrics(), 'freshet_topic_messages_in_total', { topic });
    expect(after - before).toBe(produced + 1);
  }, 60_000);

  it('answers Produce v2, which Kafka 4 no longer serves, with UNSUPPORTED_VERSION and keeps the connection', async () => {
    await node.createTopic('old-produce', 1);
    const { responses, closed } = await exchange(produceFrame(7, 'old-produce', batch(['x']), 2), 1);
    expect(closed).toBe(false);
    expect(produceError(responses[0]!, 2)).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });
});
