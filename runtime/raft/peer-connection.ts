import { connect, type Socket } from 'node:net';
import { FrameDecoder, frameChunks } from '../../core/protocol/frame.js';
import { decodeResponse, encodeRequest } from '../../core/protocol/request-frames.js';

/** Fetch responses may carry many entries; far above any request frame. */
const MAX_RESPONSE_BYTES = 1 << 30;

export interface PeerConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** `controller.quorum.request.timeout.ms`: an unanswered request fails after this long. */
  readonly requestTimeoutMs: number;
  /** `controller.quorum.retry.backoff.ms`, doubled per failed attempt up to reconnectBackoffMaxMs. */
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
}

interface Pending {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The outbound connection to one quorum peer's controller listener: requests are pipelined with
 * their own correlation ids; a lost connection fails what is in flight (Raft sends again on its own
 * timers) and is reopened on the next request, no sooner than the backoff allows.
 */
export class PeerConnection {
  private socket: Socket | null = null;
  private connected = false;
  private queued: Buffer[][] = [];
  private decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  private readonly inFlight = new Map<number, Pending>();
  private nextCorrelationId = 0;
  private failures = 0;
  private notBeforeMs = 0;
  private closed = false;

  constructor(private readonly options: PeerConnectionOptions) {}

  request(apiKey: number, apiVersion: number, clientId: string, body: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('peer connection closed'));
      if (this.socket === null && !this.openSocket()) return reject(new Error(`${this.address}: backing off after ${this.failures} failed connections`));
      const correlationId = this.nextCorrelationId;
      this.nextCorrelationId = (this.nextCorrelationId + 1) | 0;
      const frame = frameChunks(encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId }, body));
      const timer = setTimeout(() => this.drop(new Error(`${this.address}: no response within ${this.options.requestTimeoutMs} ms`)), this.options.requestTimeoutMs);
      this.inFlight.set(correlationId, { apiKey, apiVersion, resolve, reject, timer });
      if (this.connected) this.socket!.write(Buffer.concat(frame));
      else this.queued.push(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.drop(new Error('peer connection closed'));
  }

  private get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private openSocket(): boolean {
    if (Date.now() < this.notBeforeMs) return false;
    const socket = connect({ host: this.options.host, port: this.options.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.connected = true;
      this.failures = 0;
      for (const frame of this.queued) socket.write(Buffer.concat(frame));
      this.queued = [];
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on('error', (error) => {
      if (this.socket === socket) this.drop(new Error(`${this.address}: ${error.message}`));
    });
    socket.on('close', () => {
      if (this.socket === socket) this.drop(new Error(`${this.address}: connection closed`));
    });
    return true;
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.drop(error as Error);
      return;
    }
    for (const frame of frames) {
      const correlationId = frame.readInt32BE(0);
      const pending = this.inFlight.get(correlationId);
      if (pending === undefined) continue;
      this.inFlight.delete(correlationId);
      clearTimeout(pending.timer);
      try {
        pending.resolve(decodeResponse(frame, pending.apiKey, pending.apiVersion).body);
      } catch (error) {
        pending.reject(error as Error);
      }
    }
  }

  /** Fails everything in flight and forgets the socket; the next request reconnects after the backoff. */
  private drop(error: Error): void {
    const socket = this.socket;
    if (socket !== null) {
      this.socket = null;
      if (!this.connected) {
        this.failures++;
        const backoff = Math.min(this.options.reconnectBackoffMaxMs, this.options.reconnectBackoffMs * 2 ** Math.min(this.failures, 16));
        this.notBeforeMs = Date.now() + backoff;
      }
      this.connected = false;
      socket.destroy();
    }
    this.queued = [];
    for (const pending of this.inFlight.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.inFlight.clear();
  }
}
