import { type AddressInfo, type Socket, createServer } from 'node:net';
import { FrameDecoder, frameBuffer } from '../frame.js';
import { apiKeys } from '../generated/api-keys.js';
import { ErrorCode } from '../generated/error-codes.js';
import { type ApiVersionsResponse, defaultApiVersionsResponse } from '../generated/messages/api-versions.js';
import { decodeRequestHeader } from '../headers.js';
import { Reader } from '../reader.js';
import { encodeResponse } from '../request-frames.js';

const API_VERSIONS = 18;
const API_VERSIONS_MAX = apiKeys.find((info) => info.apiKey === API_VERSIONS)!.maxVersion;

/**
 * A raw TCP listener that records every request frame a real client sends
 * (size prefix included) and answers ApiVersions with a response written by
 * our codec, so the client goes on to its next request.
 */
export class CaptureServer {
  readonly frames: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly server = createServer((socket) => this.serve(socket));

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves once `count` frames arrived, or rejects after `timeoutMs`. */
  waitForFrames(count: number, timeoutMs: number): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.frames.length} of ${count} frames within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const frame = Buffer.alloc(4 + body.length);
        frame.writeInt32BE(body.length, 0);
        body.copy(frame, 4);
        this.frames.push(frame);
        const header = decodeRequestHeader(new Reader(body));
        if (header.requestApiKey === API_VERSIONS) socket.write(apiVersionsReply(header.requestApiVersion, header.correlationId));
        for (const waiter of this.waiters) if (this.frames.length >= waiter.count) waiter.resolve();
      }
    });
  }
}

/** Our supported ranges; a too-new ApiVersions version gets UNSUPPORTED_VERSION in the v0 layout, as Kafka answers. */
function apiVersionsReply(version: number, correlationId: number): Buffer {
  const supported = version <= API_VERSIONS_MAX;
  const body: ApiVersionsResponse = {
    ...defaultApiVersionsResponse(),
    errorCode: supported ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: apiKeys.map((info) => ({ apiKey: info.apiKey, minVersion: info.minVersion, maxVersion: info.maxVersion })),
  };
  return frameBuffer(encodeResponse(API_VERSIONS, supported ? version : 0, correlationId, body));
}
