import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { createMemoryLogger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { HandlerRegistry, type ApiHandler } from '../handlers/registry.js';
import { FrameDecoder } from './frame-decoder.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { SocketServer } from './socket-server.js';
import type { ConnectionLimits } from './connection.js';

const ECHO_API = 1000;

/** Echo request body: int32 delayMs, int8 mode (0 answer, 1 no response, 2 throw), payload. */
interface EchoRequest {
  delayMs: number;
  mode: number;
  payload: Buffer;
  clientId: string | null;
}

function echoHandler(calls: EchoRequest[], withErrorResponse = false): ApiHandler<EchoRequest, Buffer> {
  return {
    apiKey: ECHO_API,
    name: 'Echo',
    minVersion: 0,
    maxVersion: 3,
    firstFlexibleVersion: 2,
    decodeRequest: (body) => {
      if (body.length < 5) throw new ProtocolError(`needs 5 bytes, ${body.length} left`, 'EchoRequest');
      return { delayMs: body.readInt32BE(0), mode: body.readInt8(4), payload: body.subarray(5), clientId: null };
    },
    encodeResponse: (response) => response,
    handle: async (context, request) => {
      calls.push({ ...request, clientId: context.clientId });
      await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      if (request.mode === 2) throw new Error('handler bug');
      return request.mode === 1 ? null : request.payload;
    },
    ...(withErrorResponse ? { errorResponse: (_request: EchoRequest, code: number) => Buffer.from(`error ${code}`) } : {}),
  };
}

interface Options {
  limits?: Partial<ConnectionLimits>;
  withErrorResponse?: boolean;
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
  const calls: EchoRequest[] = [];
  const registry = new HandlerRegistry().register(echoHandler(calls, options.withErrorResponse));
  const server = await SocketServer.start({
    endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    dispatcher: new RequestDispatcher(registry, metrics),
    limits: { maxFrameBytes: 1024, idleTimeoutMs: -1, maxInFlightRequests: 100, ...options.limits },
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
    decoder.push(chunk, (frame) => responses.push(Buffer.from(frame)));
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
  mode?: number;
  payload?: string;
  apiKey?: number;
  version?: number;
  clientId?: string | null;
}): Buffer {
  const version = options.version ?? 1;
  const clientId = options.clientId === undefined ? 'test-client' : options.clientId;
  const clientIdBytes = clientId === null ? Buffer.alloc(0) : Buffer.from(clientId);
  const header = Buffer.alloc(10);
  header.writeInt16BE(options.apiKey ?? ECHO_API, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(options.correlationId, 4);
  header.writeInt16BE(clientId === null ? -1 : clientIdBytes.length, 8);
  // Flexible versions carry a tagged-field section: one unknown tag (7) of 2 bytes that must be skipped.
  const tagged = version >= 2 ? Buffer.from([1, 7, 2, 0xaa, 0xbb]) : Buffer.alloc(0);
  const body = Buffer.alloc(5);
  body.writeInt32BE(options.delayMs ?? 0, 0);
  body.writeInt8(options.mode ?? 0, 4);
  const payload = Buffer.from(options.payload ?? `payload-${options.correlationId}`);
  const size = Buffer.alloc(4);
  const frame = Buffer.concat([header, clientIdBytes, tagged, body, payload]);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

const correlationIdOf = (response: Buffer): number => response.readInt32BE(0);

describe('SocketServer', () => {
  it('answers pipelined requests in request order even when later ones finish first', async () => {
    const { port, calls } = await startServer();
    const client = await connectClient(port);
    const delays = [60, 5, 30, 0, 45, 10];
    client.socket.write(Buffer.concat(delays.map((delayMs, i) => request({ correlationId: 100 + i, delayMs }))));
    await client.waitFor(delays.length);
    expect(client.responses.map(correlationIdOf)).toEqual([100, 101, 102, 103, 104, 105]);
    expect(client.responses.map((r) => r.subarray(4).toString())).toEqual(delays.map((_, i) => `payload-${100 + i}`));
    expect(calls.map((c) => c.clientId)).toEqual(delays.map(() => 'test-client'));
  });

  it('writes response header v1 (with tagged fields) for flexible versions and skips unknown request tags', async () => {
    const { port, calls } = await startServer();
    const client = await connectClient(port);
    client.socket.write(request({ correlationId: 7, version: 2, payload: 'flex', clientId: null }));
    await client.waitFor(1);
    expect(client.responses[0]).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 7, 0]), Buffer.from('flex')]));
    expect(calls[0]?.clientId).toBeNull();
    expect(calls[0]?.payload.toString()).toBe('flex');
  });

  it('sends nothing for a request whose handler returns null, and keeps the order of the rest', async () => {
    const { port } = await startServer();
    const client = await connectClient(port);
    client.socket.write(Buffer.concat([
      request({ correlationId: 1, delayMs: 20 }),
      request({ correlationId: 2, mode: 1 }),
      request({ correlationId: 3 }),
    ]));
    await client.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.responses.map(correlationIdOf)).toEqual([1, 3]);
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
    expect(log.lines.some((line) => /WARN Closing connection .*larger than socket.request.max.bytes \(1024\)/.test(line))).toBe(true);
  });

  it.each([
    ['a frame too short for a header', Buffer.from([0, 0, 0, 3, 1, 2, 3]), 'malformed'],
    ['an unknown apiKey', request({ correlationId: 1, apiKey: 999 }), 'unknown_api'],
    ['an unsupported version', request({ correlationId: 1, version: 9 }), 'unsupported_version'],
    ['a body the codec refuses', (() => {
      const frame = request({ correlationId: 1 }).subarray(0, 4 + 10 + 11 + 2);
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

  it('answers a failing handler with its error response when it has one, else closes', async () => {
    const withError = await startServer({ withErrorResponse: true });
    const client = await connectClient(withError.port);
    client.socket.write(Buffer.concat([request({ correlationId: 1, mode: 2 }), request({ correlationId: 2 })]));
    await client.waitFor(2);
    expect(client.responses.map((r) => r.subarray(4).toString())).toEqual(['error -1', 'payload-2']);

    const without = await startServer();
    const other = await connectClient(without.port);
    other.socket.write(request({ correlationId: 1, mode: 2 }));
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

  it('counts active connections and requests per API', async () => {
    const { port, metrics } = await startServer();
    const a = await connectClient(port);
    await connectClient(port);
    a.socket.write(Buffer.concat([request({ correlationId: 1 }), request({ correlationId: 2 })]));
    await a.waitFor(2);
    expect((await metrics.activeConnections.get()).values[0]?.value).toBe(2);
    expect((await metrics.requestsTotal.get()).values).toEqual([{ value: 2, labels: { api: 'Echo' } }]);
    const text = await metrics.text();
    expect(text).toMatch(/freshet_network_request_duration_seconds_count\{api="Echo"\} 2/);
    a.socket.destroy();
    await a.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await metrics.activeConnections.get()).values[0]?.value).toBe(1);
  });
});
