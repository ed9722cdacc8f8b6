import { ANONYMOUS } from '../../core/security/kafka-principal.js';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../core/protocol/generated/messages/heartbeat.js';
import { decodeResponse, encodeRequest } from '../../core/protocol/request-frames.js';
import { HandlerRegistry, type ApiHandler } from '../handlers/registry.js';
import type { Logger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { RequestDispatcher } from './request-dispatcher.js';

const connection = { connectionId: 'c-7', listenerName: 'PLAINTEXT', clientAddress: '127.0.0.1:5555', principal: ANONYMOUS };

function failingHeartbeat(fail: () => never, asynchronous: boolean): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  return {
    apiKey: ApiKey.Heartbeat,
    name: 'Heartbeat',
    minVersion: 0,
    maxVersion: 4,
    handle: asynchronous ? () => Promise.resolve().then(fail) : fail,
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
  };
}

function errorLog(): Logger & { errors: { message: string; cause: unknown }[] } {
  const errors: { message: string; cause: unknown }[] = [];
  return { errors, info: () => {}, warn: () => {}, error: (message, cause) => void errors.push({ message, cause }) };
}

describe('RequestDispatcher', () => {
  it.each([false, true])('logs a handler exception with API, version, client id and stack before UNKNOWN_SERVER_ERROR (async %s)', async (asynchronous) => {
    const bug = new Error('handler bug');
    const log = errorLog();
    const registry = new HandlerRegistry().register(failingHeartbeat(() => { throw bug; }, asynchronous));
    const dispatcher = new RequestDispatcher(registry, new BrokerMetrics({ processMetrics: false }), log);
    const request = encodeRequest(
      { requestApiKey: ApiKey.Heartbeat, requestApiVersion: 4, correlationId: 99, clientId: 'orders-service' },
      { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null },
    ).toBuffer();

    const frame = Buffer.concat((await dispatcher.dispatch(request, connection))!);

    const { correlationId, body } = decodeResponse(frame.subarray(4), ApiKey.Heartbeat, 4);
    expect(correlationId).toBe(99);
    expect((body as HeartbeatResponse).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]!.message).toContain('Heartbeat v4');
    expect(log.errors[0]!.message).toContain('client id orders-service');
    expect(log.errors[0]!.message).toContain('correlation id 99');
    expect(log.errors[0]!.message).toContain('127.0.0.1:5555');
    // The cause itself is handed to the logger, so its stack is printed.
    expect(log.errors[0]!.cause).toBe(bug);
    expect((log.errors[0]!.cause as Error).stack).toContain('request-dispatcher.test.ts');
  });
});
