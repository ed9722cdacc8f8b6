import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { HandlerRegistry, type ApiHandler } from '../handlers/registry.js';
import { FrameDecoder, frameBuffer } from '../../core/protocol/frame.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../core/protocol/generated/messages/heartbeat.js';
import { encodeRequest } from '../../core/protocol/request-frames.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { SocketServer } from './socket-server.js';
import type { ConnectionLimits } from './connection.js';

/**
 * A test handler on a real API (Heartbeat, flexible from v4) so the shared
 * codec decodes and encodes it: generationId is how long to take, memberId
 * what to do ('answer', 'none' for no response, 'throw'), and the response's
 * throttleTimeMs echoes the delay.
 */
function heartbeatHandler(calls: HandlerCall[], withErrorResponse = false, minVersion = 0): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  return {
    apiKey: ApiKey.Heartbeat,
    name: 'Heartbeat',
    minVersion,
    maxVersion: 4,
    handle: async (context, request) => {
      calls.push({ clientId: context.clientId, groupId: request.groupId });
      await new Promise((resolve) => setTimeout(resolve, request.generationId));
      if (request.memberId === 'throw') throw new Error('handler bug');
      return request.memberId === 'none' ? null : { throttleTimeMs: request.generationId, errorCode: 0 };
    },
    ...(withErrorResponse ? { errorResponse: (_request: HeartbeatRequest, errorCode: number) => ({ throttleTimeMs: 0, errorCode }) } : {}),
  };
}

interface HandlerCall {
  clientId: string | null;
  groupId: string;
}

interface Options {
  limits?: Partial<ConnectionLimits>;
  withErrorResponse?: boolean;
  minVersion?: number;
}

const servers: SocketServer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(options: Options = {}) {
  const metrics = new BrokerMetrics({ processMetrics: false });
  const log = createMemoryLogger();
  const calls: HandlerCall[] = [];
  const registry = new HandlerRegistry().register(heartbeatHandler(calls, options.withErrorResponse, options.minVersion));
  const server = await SocketServer.start({
    endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    dispatcher: new RequestDispatcher(registry, metrics, log),
    limits: { maxFrameBytes: 1024, idleTimeoutMs: -1, maxInFlightRequests: 100, maxInFlightBytes: 1 << 26, ...options.limits },
    metrics,
    log,
  });
  servers.push(server);
  return { server, metrics, log, calls, port: server.endpoints[0]!.port };
}

interface Client {
  socket: Socket;
  responses: Buffer[];
  closed: Promise<void>;
  waitFor(count: number): Promise<void>;
}

async function connectClient(port: number): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1' });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const responses: Buffer[] = [];
  const decoder = new FrameDecoder(1 << 20);
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) responses.push(Buffer.from(frame));
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const waitFor = async (count: number): Promise<void> => {
    while (responses.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { socket, responses, closed, waitFor };
}

function request(options: {
  correlationId: number;
  delayMs?: number;
  mode?: 'answer' | 'none' | 'throw';
  apiKey?: number;
  version?: number;
  badVersion?: number;
  clientId?: string | null;
}): Buffer {
  const header = {
    requestApiKey: ApiKey.Heartbeat,
    requestApiVersion: options.version ?? 1,
    correlationId: options.correlationId,
    clientId: options.clientId === undefined ? 'test-client' : options.clientId,
  };
  const body: HeartbeatRequest = {
    groupId: `group-${options.correlationId}`,
    generationId: options.delayMs ?? 0,
    memberId: options.mode ?? 'answer',
    groupInstanceId: null,
  };
  const frame = frameBuffer(encodeRequest(header, body));
  // Bytes a real client would not send: another apiKey or an out-of-range version, patched in after encoding.
  if (options.apiKey !== undefined) frame.writeInt16BE(options.apiKey, 4);
  if (options.badVersion !== undefined) frame.writeInt16BE(options.badVersion, 6);
  return frame;
}

/** Response header v0 is the correlationId; Heartbeat v1-3 bodies are throttleTimeMs, errorCode. */
const throttleAndError = (response: Buffer): [number, number] => [response.readInt32BE(4), response.readInt16BE(8)];

const correlationIdOf = (response: Buffer): number => response.readInt32BE(0);

describe('SocketServer', () => {
  it('answers pipelined requests in request order even when later ones finish first', async () => {
    const { port, calls } = await startServer();
    const client = await connectClient(port);
    const delays = [60, 5, 30, 0, 45, 10];
    client.socket.write(Buffer.concat(delays.map((delayMs, i) => request({ correlationId: 100 + i, delayMs }))));
    await client.waitFor(delays.length);
    expect(client.responses.map(correlationIdOf)).toEqual([100, 101, 102, 103, 104, 105]);
    expect(client.responses.map(throttleAndError)).toEqual(delays.map((delayMs) => [delayMs, 0]));
    expect(calls).toEqual(delays.map((_, i) => ({ clientId: 'test-client', groupId: `group-${100 + i}` })));
  });

  it('writes response header v1 (with tagged fields) for flexible versions and skips unknown request tags', async () => {
    const { port, calls } = await startServer();
    const client = await connectClient(port);
    const plain = request({ correlationId: 7, version: 4, delayMs: 3, clientId: null });
    // Header v2: apiKey, apiVersion, correlationId, clientId (-1), then tags; put in one unknown tag (7, 2 bytes).
    const tagsAt = 4 + 10;
    expect(plain[tagsAt]).toBe(0);
    const withTag = Buffer.concat([plain.subarray(0, tagsAt), Buffer.from([1, 7, 2, 0xaa, 0xbb]), plain.subarray(tagsAt + 1)]);
    withTag.writeInt32BE(withTag.length - 4, 0);
    client.socket.write(withTag);
    await client.waitFor(1);
    // Response header v1 (correlationId + empty tags), then Heartbeat v4: throttleTimeMs, errorCode, empty tags.
    expect(client.responses[0]).toEqual(Buffer.from([0, 0, 0, 7, 0, 0, 0, 0, 3, 0, 0, 0]));
    expect(calls).toEqual([{ clientId: null, groupId: 'group-7' }]);
  });

  it('sends nothing for a request whose handler returns null, and keeps the order of the rest', async () => {
    const { port } = await startServer();
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([
      request({ correlationId: 1, delayMs: 20 }),
      request({ correlationId: 2, mode: 'none' }),
      request({ correlationId: 3 }),
    ]));
    await client.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.responses.map(correlationIdOf)).toEqual([1, 3]);
  });

  it('answers the requests that arrived in the same chunk before an oversized frame, then closes', async () => {
    const { port } = await startServer({ limits: { maxFrameBytes: 1024 } });
    const client = await connectClient(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(5000);
    client.socket.write(Buffer.concat([request({ correlationId: 1 }), request({ correlationId: 2, delayMs: 5 }), size]));
    await client.closed;
    expect(client.responses.map(correlationIdOf)).toEqual([1, 2]);
  });

  it('refuses an oversized frame before its body arrives, closing only that connection', async () => {
    const { port, metrics, log } = await startServer({ limits: { maxFrameBytes: 1024 } });
    const bad = await connectClient(port);
    const good = await connectClient(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    bad.socket.write(size);
    await bad.closed;
    good.socket.write(request({ correlationId: 9 }));
    await good.waitFor(1);
    expect(correlationIdOf(good.responses[0]!)).toBe(9);
    expect((await metrics.badFramesTotal.get()).values).toEqual([{ value: 1, labels: { reason: 'oversized' } }]);
    expect(log.lines.some((line) => /WARN Closing connection .*frame of 1025 bytes, the limit is 1024 \(socket.request.max.bytes\)/.test(line))).toBe(true);
  });

  it.each([
    ['a frame too short for a header', Buffer.from([0, 0, 0, 3, 1, 2, 3]), 'malformed'],
    ['an unknown apiKey', request({ correlationId: 1, apiKey: 999 }), 'unknown_api'],
    ['an unsupported version', request({ correlationId: 1, badVersion: 9 }), 'unsupported_version'],
    ['a truncated body', (() => {
      const frame = Buffer.from(request({ correlationId: 2 }).subarray(0, -3));
      frame.writeInt32BE(frame.length - 4, 0);
      return frame;
    })(), 'malformed'],
    ['a clientId longer than the frame', (() => {
      const frame = request({ correlationId: 1 });
      frame.writeInt16BE(500, 12);
      return frame;
    })(), 'malformed'],
  ])('closes the connection on %s, after answering the requests before it', async (_name, bad, reason) => {
    const { port, metrics } = await startServer();
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([request({ correlationId: 1, delayMs: 20 }), bad, request({ correlationId: 3 })]));
    await client.closed;
    expect(client.responses.map(correlationIdOf)).toEqual([1]);
    expect((await metrics.badFramesTotal.get()).values).toEqual([{ value: 1, labels: { reason } }]);
  });

  it('answers a version the schema defines but the broker no longer serves with UNSUPPORTED_VERSION in that version, and keeps the connection', async () => {
    const { port, calls, metrics } = await startServer({ withErrorResponse: true, minVersion: 2 });
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([request({ correlationId: 1, version: 1 }), request({ correlationId: 2, version: 2, delayMs: 3 })]));
    await client.waitFor(2);
    expect(client.responses.map(correlationIdOf)).toEqual([1, 2]);
    // UNSUPPORTED_VERSION is 35; the handler never saw the v1 request.
    expect(client.responses.map(throttleAndError)).toEqual([[0, 35], [3, 0]]);
    expect(calls.map((c) => c.groupId)).toEqual(['group-2']);
    expect((await metrics.badFramesTotal.get()).values).toEqual([]);
  });

  it('answers a failing handler with its error response when it has one, else closes', async () => {
    const withError = await startServer({ withErrorResponse: true });
    const client = await connectClient(withError.port);
    client.socket.write(Buffer.concat([request({ correlationId: 1, mode: 'throw' }), request({ correlationId: 2, delayMs: 4 })]));
    await client.waitFor(2);
    expect(client.responses.map(correlationIdOf)).toEqual([1, 2]);
    expect(client.responses.map(throttleAndError)).toEqual([[0, -1], [4, 0]]);

    const without = await startServer();
    const other = await connectClient(without.port);
    other.socket.write(request({ correlationId: 1, mode: 'throw' }));
    await other.closed;
    expect(without.log.lines.some((line) => line.startsWith('WARN Closing connection') && line.includes('handler bug'))).toBe(true);
  });

  it('handles at most maxInFlightRequests of a connection at once', async () => {
    const { port, calls } = await startServer({ limits: { maxInFlightRequests: 2 } });
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([0, 1, 2, 3, 4].map((i) => request({ correlationId: i, delayMs: 40 }))));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toHaveLength(2);
    await client.waitFor(5);
    expect(client.responses.map(correlationIdOf)).toEqual([0, 1, 2, 3, 4]);
  });

  it('handles at most maxInFlightBytes of request bytes of a connection at once, but always one request', async () => {
    const size = request({ correlationId: 0 }).length - 4;
    const { port, calls } = await startServer({ limits: { maxInFlightBytes: size + 1 } });
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([0, 1, 2].map((i) => request({ correlationId: i, delayMs: 40 }))));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toHaveLength(2);
    await client.waitFor(3);
    expect(client.responses.map(correlationIdOf)).toEqual([0, 1, 2]);

    const tiny = await startServer({ limits: { maxInFlightBytes: 1 } });
    const other = await connectClient(tiny.port);
    other.socket.write(Buffer.concat([0, 1].map((i) => request({ correlationId: i, delayMs: 10 }))));
    await other.waitFor(2);
    expect(tiny.calls).toHaveLength(2);
  });

  it('reaps a connection idle for connections.max.idle.ms but not one waiting on its own request', async () => {
    const { server, port, log } = await startServer({ limits: { idleTimeoutMs: 100 } });
    const idle = await connectClient(port);
    const busy = await connectClient(port);
    busy.socket.write(request({ correlationId: 1, delayMs: 250 }));
    const idleSince = Date.now();
    await idle.closed;
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(90);
    expect(busy.socket.destroyed).toBe(false);
    await busy.waitFor(1);
    expect(server.connectionCount).toBe(1);
    expect(log.lines.some((line) => line.includes('idle for more than 100 ms'))).toBe(true);
  });

  it('on close, answers the requests already read before ending each connection', async () => {
    const { server, port } = await startServer();
    const busy = await connectClient(port);
    const idle = await connectClient(port);
    busy.socket.write(Buffer.concat([request({ correlationId: 1, delayMs: 80 }), request({ correlationId: 2, delayMs: 10 })]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close(2_000);
    await Promise.all([busy.closed, idle.closed]);
    expect(busy.responses.map(correlationIdOf)).toEqual([1, 2]);
    expect(idle.responses).toEqual([]);
  });

  it('on close, drops what is still unanswered after the drain timeout', async () => {
    const { server, port } = await startServer();
    const client = await connectClient(port);
    client.socket.write(request({ correlationId: 1, delayMs: 500 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const startedAt = Date.now();
    await server.close(50);
    await client.closed;
    expect(Date.now() - startedAt).toBeLessThan(400);
    expect(client.responses).toEqual([]);
  });

  it('counts active connections and requests per API', async () => {
    const { port, metrics } = await startServer();
    const a = await connectClient(port);
    await connectClient(port);
    a.socket.write(Buffer.concat([request({ correlationId: 1 }), request({ correlationId: 2 })]));
    await a.waitFor(2);
    expect((await metrics.activeConnections.get()).values[0]?.value).toBe(2);
    expect((await metrics.requestsTotal.get()).values).toEqual([{ value: 2, labels: { api: 'Heartbeat' } }]);
    const text = await metrics.text();
    expect(text).toMatch(/freshet_network_request_duration_seconds_count\{api="Heartbeat"\} 2/);
    a.socket.destroy();
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await metrics.activeConnections.get()).values[0]?.value).toBe(1);
  });
});
