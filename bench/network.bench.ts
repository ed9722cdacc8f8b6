import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameDecoder, frameBuffer } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { encodeRequest } from '../core/protocol/request-frames.js';
import { createApiVersionsHandler } from '../runtime/handlers/api-versions.js';
import { HandlerRegistry } from '../runtime/handlers/registry.js';
import { createMemoryLogger } from '../runtime/logger.js';
import { BrokerMetrics } from '../runtime/metrics/broker-metrics.js';
import { RequestDispatcher } from '../runtime/network/request-dispatcher.js';
import { SocketServer } from '../runtime/network/socket-server.js';
import { benchGroup } from './harness.js';

/**
 * The network layer's cost per request: pipelined ApiVersions round trips
 * through framing, header decode, dispatch, encode and ordered write, against
 * a plain TCP server that echoes each frame back (the floor for any request).
 */
const PIPELINE = 64;
const request = frameBuffer(
  encodeRequest(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'bench' },
    { clientSoftwareName: 'bench', clientSoftwareVersion: '1.0' },
  ),
);
const pipelined = Buffer.concat(Array.from({ length: PIPELINE }, () => request));

class RoundTripClient {
  private readonly decoder = new FrameDecoder();
  private waiting = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.waiting -= this.decoder.push(chunk).length;
      if (this.waiting === 0) this.wake?.();
    });
  }

  static async connect(port: number): Promise<RoundTripClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RoundTripClient(socket);
  }

  send(bytes: Buffer, responses: number): Promise<void> {
    this.waiting = responses;
    const done = new Promise<void>((resolve) => (this.wake = resolve));
    this.socket.write(bytes);
    return done;
  }

  close(): void {
    this.socket.destroy();
  }
}

let echoServer: Server;
let freshet: SocketServer;
let echoClient: RoundTripClient;
let freshetClient: RoundTripClient;

export default benchGroup(
  'runtime/network request round trips',
  [
    {
      name: `baseline: TCP echo, ${PIPELINE} pipelined frames`,
      baseline: true,
      async: true,
      bytes: pipelined.length,
      fn: () => echoClient.send(pipelined, PIPELINE),
    },
    {
      name: `SocketServer ApiVersions v3, ${PIPELINE} pipelined`,
      async: true,
      bytes: pipelined.length,
      fn: () => freshetClient.send(pipelined, PIPELINE),
    },
    {
      name: 'SocketServer ApiVersions v3, one at a time',
      async: true,
      fn: () => freshetClient.send(request, 1),
    },
  ],
  {
    setup: async () => {
      echoServer = createServer((socket) => {
        const decoder = new FrameDecoder();
        socket.setNoDelay(true);
        socket.on('data', (chunk: Buffer) => {
          for (const frame of decoder.push(chunk)) {
            const size = Buffer.alloc(4);
            size.writeInt32BE(frame.length);
            socket.cork();
            socket.write(size);
            socket.write(frame);
            socket.uncork();
          }
        });
      });
      await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
      const metrics = new BrokerMetrics({ processMetrics: false });
      const registry = new HandlerRegistry();
      registry.register(createApiVersionsHandler(registry));
      freshet = await SocketServer.start({
        endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
        dispatcher: new RequestDispatcher(registry, metrics, createMemoryLogger()),
        limits: { maxFrameBytes: 104857600, idleTimeoutMs: -1, maxInFlightRequests: 100, maxInFlightBytes: 1 << 26 },
        metrics,
        log: createMemoryLogger(),
      });
      const echoAddress = echoServer.address();
      echoClient = await RoundTripClient.connect(typeof echoAddress === 'object' && echoAddress !== null ? echoAddress.port : 0);
      freshetClient = await RoundTripClient.connect(freshet.endpoints[0]!.port);
    },
    teardown: async () => {
      echoClient.close();
      freshetClient.close();
      await freshet.close();
      await new Promise((resolve) => echoServer.close(resolve));
    },
  },
);
