import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, frameBuffer } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultApiVersionsResponse } from '../core/protocol/generated/messages/api-versions.js';
import { defaultMetadataResponse, type MetadataRequest, type MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { decodeRequest, encodeResponse, type DecodedRequest } from '../core/protocol/request-frames.js';
import { BrokerConnection } from './broker-connection.js';
import { KafkaClientError } from './client-error.js';

/**
 * A raw TCP listener speaking the wire format through core/protocol: it
 * records every request header and answers through `answer` (null: stay silent).
 */
interface FakeBroker {
  port: number;
  requests: DecodedRequest[];
  sockets: Socket[];
}

const servers: Server[] = [];
const accepted: Socket[] = [];
afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const metadataRange = { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 };

async function fakeBroker(answer: (request: DecodedRequest, broker: FakeBroker) => Buffer[] | null): Promise<FakeBroker> {
  const broker: FakeBroker = { port: 0, requests: [], sockets: [] };
  const server = createServer((socket) => {
    broker.sockets.push(socket);
    accepted.push(socket);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const request = decodeRequest(frame);
        broker.requests.push(request);
        const frames = answer(request, broker);
        if (frames !== null) for (const out of frames) socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  broker.port = (server.address() as { port: number }).port;
  return broker;
}

function respond(request: DecodedRequest, body: unknown): Buffer {
  const { requestApiKey, requestApiVersion, correlationId } = request.header;
  return frameBuffer(encodeResponse(requestApiKey, requestApiVersion, correlationId, body));
}

function apiVersions(request: DecodedRequest, ranges: { apiKey: number; minVersion: number; maxVersion: number }[] = [metadataRange]): Buffer {
  return respond(request, { ...defaultApiVersionsResponse(), apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }, ...ranges] });
}

const options = { clientId: 'connection-test', requestTimeoutMs: 1_000 };

describe('BrokerConnection', () => {
  it('negotiates the highest common version and matches pipelined responses to their requests by correlation id', async () => {
    // Answers nothing until 50 Metadata requests are in flight, then all of them in order.
    const held: DecodedRequest[] = [];
    const broker = await fakeBroker((request) => {
      if (request.header.requestApiKey === ApiKey.ApiVersions) return [apiVersions(request, [{ ...metadataRange, maxVersion: 9 }])];
      held.push(request);
      if (held.length < 50) return null;
      return held.map((pending) => respond(pending, { ...defaultMetadataResponse(), clusterId: (pending.body as MetadataRequest).topics![0]!.name }));
    });
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, options);
    expect(connection.versionFor(ApiKey.Metadata)).toBe(9);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        connection.request<MetadataResponse>(ApiKey.Metadata, { topics: [{ name: `topic-${i}`, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
      ),
    );
    expect(answers.map((answer) => answer.clusterId)).toEqual(Array.from({ length: 50 }, (_, i) => `topic-${i}`));
    expect(broker.requests.map((request) => request.header.correlationId)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(broker.requests.slice(1).every((request) => request.header.requestApiVersion === 9 && request.header.clientId === 'connection-test')).toBe(true);
    connection.close();
  });

  it('falls back to the ApiVersions version the broker names when it refuses ours (KIP-511)', async () => {
    const broker = await fakeBroker((request) => {
      if (request.header.requestApiVersion > 2) {
        // An older broker answers in the v0 schema with its own ApiVersions range.
        return [frameBuffer(encodeResponse(ApiKey.ApiVersions, 0, request.header.correlationId, { ...defaultApiVersionsResponse(), errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }] }))];
      }
      return [apiVersions(request)];
    });
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, options);
    expect(broker.requests.map((request) => request.header.requestApiVersion)).toEqual([3, 2]);
    expect(connection.versionFor(ApiKey.Metadata)).toBe(12);
    connection.close();
  });

  it('refuses an API the broker does not offer with UNSUPPORTED_VERSION instead of sending it', async () => {
    const broker = await fakeBroker((request) => [apiVersions(request)]);
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, options);
    expect(() => connection.versionFor(ApiKey.Produce)).toThrow(KafkaClientError);
    await expect(connection.request(ApiKey.Produce, {})).rejects.toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
    expect(broker.requests).toHaveLength(1);
    connection.close();
  });

  it('fails every request in flight when the broker closes the connection, and refuses new ones', async () => {
    const broker = await fakeBroker((request, self) => {
      if (request.header.requestApiKey === ApiKey.ApiVersions) return [apiVersions(request)];
      if (self.requests.length === 3) self.sockets[0]!.destroy();
      return null;
    });
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, options);
    const body = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const results = await Promise.allSettled([connection.request(ApiKey.Metadata, body), connection.request(ApiKey.Metadata, body)]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ errorCode: ErrorCode.NETWORK_EXCEPTION });
    }
    expect(connection.isOpen).toBe(false);
    await expect(connection.request(ApiKey.Metadata, body)).rejects.toMatchObject({ errorCode: ErrorCode.NETWORK_EXCEPTION });
  });

  it('gives up a request that gets no answer within requestTimeoutMs with REQUEST_TIMED_OUT', async () => {
    const broker = await fakeBroker((request) => (request.header.requestApiKey === ApiKey.ApiVersions ? [apiVersions(request)] : null));
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, { ...options, requestTimeoutMs: 200 });
    const started = Date.now();
    await expect(
      connection.request(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    ).rejects.toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(connection.isOpen).toBe(false);
  });

  it('close() still delivers requests that get no answer (Produce acks=0) before closing', async () => {
    const produceRange = { apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 11 };
    const broker = await fakeBroker((request) => (request.header.requestApiKey === ApiKey.ApiVersions ? [apiVersions(request, [produceRange])] : null));
    const connection = await BrokerConnection.connect('127.0.0.1', broker.port, options);
    const ended = new Promise((resolve) => broker.sockets[0]!.once('end', resolve));
    const records = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 20; i++) {
      connection.send(ApiKey.Produce, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: `t${i}`, partitionData: [{ index: 0, records }] }] });
    }
    connection.close();
    await ended;
    const topics = broker.requests.slice(1).map((request) => (request.body as { topicData: { name: string }[] }).topicData[0]!.name);
    expect(topics).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
  });

  it('reports a refused connection as a NETWORK_EXCEPTION naming the address', async () => {
    const broker = await fakeBroker(() => null);
    const port = broker.port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(BrokerConnection.connect('127.0.0.1', port, options)).rejects.toThrow(`NETWORK_EXCEPTION: 127.0.0.1:${port}`);
  });
});
