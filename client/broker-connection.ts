import { connect, type Socket } from 'node:net';
import { FrameDecoder, frameChunks } from '../core/protocol/frame.js';
import { ApiKey, apiKeyInfo } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { ApiVersionsResponse } from '../core/protocol/generated/messages/api-versions.js';
import { decodeResponse, encodeRequest } from '../core/protocol/request-frames.js';
import { clientApiVersions, negotiateVersion, type VersionRange } from './client-api-versions.js';
import { KafkaClientError } from './client-error.js';

export interface ConnectionOptions {
  clientId: string;
  /** How long a request may wait for its response before the connection is given up (Kafka's `request.timeout.ms`). */
  requestTimeoutMs: number;
  /** How long the TCP connect may take (Kafka's `socket.connection.setup.timeout.ms`); request.timeout.ms when absent. */
  connectTimeoutMs?: number;
}

export const defaultConnectionOptions: ConnectionOptions = { clientId: 'freshet', requestTimeoutMs: 30_000 };

/** ApiVersions v3 is what current clients send first; a broker that knows only older answers UNSUPPORTED_VERSION in v0 (KIP-511). */
const API_VERSIONS_VERSION = 3;
/** Fetch responses carry up to `fetch.max.bytes` of records: allow far more than a request frame. */
const MAX_RESPONSE_BYTES = 1 << 30;
/** How long a closing connection waits for the broker to close its side. */
const CLOSE_LINGER_MS = 5_000;

interface PendingRequest {
  apiKey: number;
  apiVersion: number;
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP connection to one broker: requests are framed with increasing
 * correlation ids and written at once (pipelined); responses, which Kafka
 * sends in request order, are matched by correlation id. Versions are
 * negotiated once with ApiVersions on connect.
 */
export class BrokerConnection {
  private nextCorrelationId = 0;
  private readonly inFlight = new Map<number, PendingRequest>();
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  private brokerVersions = new Map<number, VersionRange>();
  private failure: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly options: ConnectionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${address}: ${error.message}`)));
    socket.on('close', () => this.fail(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${address}: connection closed`)));
  }

  /** Opens a connection and negotiates API versions. */
  static async connect(host: string, port: number, options: ConnectionOptions = defaultConnectionOptions): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${address}: connect timed out`));
      }, options.connectTimeoutMs ?? options.requestTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${address}: ${error.message}`));
      });
    });
    const connection = new BrokerConnection(socket, address, options);
    try {
      await connection.negotiateVersions();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get isOpen(): boolean {
    return this.failure === null;
  }

  /** When the last request was written or answered (connections.max.idle.ms). */
  lastUsedMs = Date.now();

  /** Requests sent whose responses have not arrived yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The broker's version range for an API, from its ApiVersions answer. */
  brokerVersionRange(apiKey: number): VersionRange | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /** The version to send `apiKey` at: the highest both sides support. */
  versionFor(apiKey: number): number {
    const client = clientApiVersions.get(apiKey);
    if (client === undefined) throw new Error(`the client has no version range for apiKey ${apiKey}`);
    const version = negotiateVersion(client, this.brokerVersions.get(apiKey));
    if (version === null) {
      const name = apiKeyInfo(apiKey)?.name ?? String(apiKey);
      throw new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, `${this.address} does not support ${name} v${client.min}-${client.max}`);
    }
    return version;
  }

  /** Sends a request and resolves with the decoded response body; `timeoutMs` overrides `request.timeout.ms` (JoinGroup waits up to the rebalance timeout). */
  request<Response>(apiKey: number, body: unknown, apiVersion?: number, timeoutMs?: number): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      const version = apiVersion ?? this.versionFor(apiKey);
      const correlationId = this.write(apiKey, version, body);
      const timer = setTimeout(() => {
        this.fail(new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `${this.address}: no response within ${timeoutMs ?? this.options.requestTimeoutMs} ms`));
      }, timeoutMs ?? this.options.requestTimeoutMs);
      this.inFlight.set(correlationId, { apiKey, apiVersion: version, resolve: resolve as (body: unknown) => void, reject, timer });
    });
  }

  /** Sends a request the broker will not answer (Produce with acks=0). */
  send(apiKey: number, body: unknown, apiVersion?: number): void {
    if (this.failure !== null) throw this.failure;
    this.write(apiKey, apiVersion ?? this.versionFor(apiKey), body);
  }

  /**
   * Closes after the bytes already written reach the broker (a Produce with
   * acks=0 has nothing else to wait for); requests still waiting for an
   * answer fail. A broker that never closes its side is cut off after a while.
   */
  close(): void {
    if (this.failure !== null) return;
    this.fail(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${this.address}: connection closed by the client`), false);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  private write(apiKey: number, apiVersion: number, body: unknown): number {
    this.lastUsedMs = Date.now();
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) | 0;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.options.clientId }, body);
    this.socket.cork();
    for (const chunk of frameChunks(frame)) this.socket.write(chunk);
    this.socket.uncork();
    return correlationId;
  }

  private async negotiateVersions(): Promise<void> {
    const body = { clientSoftwareName: 'freshet', clientSoftwareVersion: '0.1.0' };
    let response = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, body, API_VERSIONS_VERSION);
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      const supported = response.apiKeys.find((api) => api.apiKey === ApiKey.ApiVersions);
      response = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, body, Math.min(supported?.maxVersion ?? 0, API_VERSIONS_VERSION));
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `${this.address}: ApiVersions`);
    this.brokerVersions = new Map(response.apiKeys.map((api) => [api.apiKey, api]));
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      return this.fail(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${this.address}: ${(error as Error).message}`));
    }
    for (const frame of frames) {
      if (frame.length < 4) return this.fail(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${this.address}: short response frame`));
      const correlationId = frame.readInt32BE(0);
      const pending = this.inFlight.get(correlationId);
      if (pending === undefined) {
        return this.fail(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${this.address}: response to unknown correlation id ${correlationId}`));
      }
      this.inFlight.delete(correlationId);
      clearTimeout(pending.timer);
      try {
        pending.resolve(this.decodeBody(frame, pending));
      } catch (error) {
        pending.reject(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${this.address}: ${(error as Error).message}`));
      }
    }
  }

  private decodeBody(frame: Buffer, pending: PendingRequest): unknown {
    // A broker refusing our ApiVersions version answers in the v0 schema (KIP-511); its
    // header is always v0, so the error code sits right after the correlation id.
    const refused = pending.apiKey === ApiKey.ApiVersions && frame.length >= 6 && frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION;
    return decodeResponse(frame, pending.apiKey, refused ? 0 : pending.apiVersion).body;
  }

  private fail(error: Error, destroy = true): void {
    if (this.failure !== null) return;
    this.failure = error;
    if (destroy) this.socket.destroy();
    for (const pending of this.inFlight.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.inFlight.clear();
  }
}
