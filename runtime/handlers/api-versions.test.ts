import { ANONYMOUS } from '../../core/security/kafka-principal.js';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { ApiVersionsResponse } from '../../core/protocol/generated/messages/api-versions.js';
import { decodeResponse, encodeRequest } from '../../core/protocol/request-frames.js';
import { createMemoryLogger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { RequestDispatcher } from '../network/request-dispatcher.js';
import { createApiVersionsHandler } from './api-versions.js';
import { HandlerRegistry } from './registry.js';

const connection = { connectionId: 'test', listenerName: 'PLAINTEXT', clientAddress: '127.0.0.1:1', principal: ANONYMOUS };

function brokerWithHeartbeat() {
  const registry = new HandlerRegistry();
  registry.register(createApiVersionsHandler(registry));
  registry.register({ apiKey: ApiKey.Heartbeat, name: 'Heartbeat', minVersion: 1, maxVersion: 3, handle: () => null });
  return new RequestDispatcher(registry, new BrokerMetrics({ processMetrics: false }), createMemoryLogger());
}

async function apiVersions(version: number, names = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.1' }) {
  const request = encodeRequest(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: Math.min(version, 4), correlationId: 42, clientId: 'c' },
    names,
  ).toBuffer();
  request.writeInt16BE(version, 2);
  const chunks = await brokerWithHeartbeat().dispatch(request, connection);
  const frame = Buffer.concat(chunks!);
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  return { frame: frame.subarray(4), version };
}

describe('ApiVersions', () => {
  it.each([0, 1, 2, 3, 4])('v%i lists the registry ranges by apiKey with a v0 response header', async (version) => {
    const { frame } = await apiVersions(version);
    // Header v0: the body starts right after the correlationId, with the int16 error code.
    expect(frame.readInt32BE(0)).toBe(42);
    expect(frame.readInt16BE(4)).toBe(0);
    const { correlationId, body } = decodeResponse(frame, ApiKey.ApiVersions, version);
    expect(correlationId).toBe(42);
    expect((body as ApiVersionsResponse).apiKeys).toEqual([
      { apiKey: ApiKey.Heartbeat, minVersion: 1, maxVersion: 3 },
      { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 },
    ]);
  });

  it('answers a too-new version with UNSUPPORTED_VERSION and our ranges in the v0 schema', async () => {
    const { frame } = await apiVersions(7);
    const { correlationId, body } = decodeResponse(frame, ApiKey.ApiVersions, 0);
    expect(correlationId).toBe(42);
    expect((body as ApiVersionsResponse).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((body as ApiVersionsResponse).apiKeys).toContainEqual({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 });
    // v0 body: errorCode, int32 count, 3 entries of 6 bytes, and nothing after (no throttle time, no tags).
    expect(frame.length).toBe(4 + 2 + 4 + 2 * 6);
  });

  it('refuses client software names Kafka refuses, with INVALID_REQUEST', async () => {
    const { frame } = await apiVersions(3, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1.0' });
    const { body } = decodeResponse(frame, ApiKey.ApiVersions, 3);
    expect(body).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [] });
  });
});
