import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { FrameDecoder, FrameSizeError } from '../../core/protocol/frame.js';
import { InvalidRequestError, type ConnectionInfo, type RequestDispatcher, type ResponseFrame } from './request-dispatcher.js';
import type { AuthenticatorAnswer, SaslAuthenticator } from './sasl-authenticator.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Response chunks below this size are joined before writing; larger ones go out as they are. */
const COALESCE_MAX_BYTES = 16 * 1024;

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  readonly maxFrameBytes: number;
  /** connections.max.idle.ms; -1 (or 0) never reaps. */
  readonly idleTimeoutMs: number;
  /** Requests of one connection being handled at once before the broker stops reading from it. */
  readonly maxInFlightRequests: number;
  /** Request bytes of one connection being handled at once (one request is always let through). */
  readonly maxInFlightBytes: number;
  /**
   * Response bytes waiting for the client to read them: at this many, the connection is muted
   * (no request is read or started) until its socket drains, as Kafka mutes a channel whose
   * response is still being sent.
   */
  readonly maxQueuedResponseBytes: number;
  /** sasl.server.max.receive.size: the largest frame read before a SASL connection has authenticated. */
  readonly maxUnauthenticatedFrameBytes?: number;
  /** How long a SASL connection may take to authenticate before it is closed. */
  readonly authenticationTimeoutMs?: number;
}

/**
 * A request slot in arrival order. `frame` is undefined until the handler
 * answers; `close` marks where a bad request ends the connection, so the
 * requests before it still get their responses, in order.
 */
interface Slot {
  /** Size of the request frame, counted against maxInFlightBytes until answered. */
  readonly requestBytes: number;
  done: boolean;
  frame: ResponseFrame;
  close: boolean;
}

/**
 * One client connection: frames in, responses out strictly in request order
 * (even when handlers finish out of order), back-pressure, idle reaping.
 *
 * Back-pressure: the socket stops being read while `maxInFlightRequests` (or
 * `maxInFlightBytes` of requests) are unanswered or while the kernel will not take more of our writes (the
 * client is not reading its responses); it resumes when both clear. Requests already read are
 * not started either while `maxQueuedResponseBytes` of responses wait (the connection is muted),
 * so a client that pipelines requests and reads slowly pins at most that many response bytes
 * plus the answers of the requests in flight. A bad frame stops reading at once, lets earlier
 * responses go out, then closes.
 */
export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly slots: Slot[] = [];
  /** Frames already read but not yet dispatched because the in-flight limits are reached. */
  private readonly held: Buffer[] = [];
  /** When each held frame was read: its queue time, for the request log. */
  private readonly heldAt = new WeakMap<Buffer, bigint>();
  private inFlightBytes = 0;
  private writeBlocked = false;
  private flushScheduled = false;
  private closing = false;
  /** Set by `drain`: no more reads; the connection ends once every request read so far is answered. */
  private draining = false;
  /** Quota throttling: no request is started before this time (Date.now ms). */
  private mutedUntilMs = 0;
  private muteTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    readonly info: ConnectionInfo,
    private readonly dispatcher: RequestDispatcher,
    private readonly limits: ConnectionLimits,
    private readonly metrics: BrokerMetrics,
    private readonly log: Logger,
    /** On a SASL listener: takes the SASL exchange, and nothing else runs until it succeeds. */
    private readonly authenticator?: SaslAuthenticator,
  ) {
    this.decoder = new FrameDecoder(limits.maxFrameBytes);
    info.muteFor = (ms) => this.muteFor(ms);
    if (authenticator !== undefined && limits.authenticationTimeoutMs !== undefined) {
      const timer = setTimeout(() => {
        if (authenticator.authenticated) return;
        this.log.info(`Closing connection ${this.info.connectionId} (${this.info.clientAddress}): not authenticated within ${limits.authenticationTimeoutMs} ms`);
        this.destroy();
      }, limits.authenticationTimeoutMs);
      socket.once('close', () => clearTimeout(timer));
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      // Unmuted: the requests held meanwhile start, then reading resumes.
      this.flush();
    });
    // Resets and other socket errors end just this connection; 'close' follows.
    socket.on('error', () => {});
    // Node's timers hold at most 2^31-1 ms (longer ones fire at once), so a longer idle time means never.
    if (limits.idleTimeoutMs > 0 && limits.idleTimeoutMs <= MAX_TIMER_MS) {
      socket.setTimeout(limits.idleTimeoutMs);
      socket.on('timeout', () => this.onIdle());
    }
  }

  get inFlightRequests(): number {
    return this.slots.length;
  }

  /** Response bytes written but not yet taken by the kernel (the client is not reading). */
  get queuedResponseBytes(): number {
    return this.socket.writableLength;
  }

  /** Closes now, dropping unanswered requests. */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /**
   * Clean shutdown: stops reading, answers the requests already read, then
   * ends the connection; whatever is still unanswered after `timeoutMs` is dropped.
   */
  drain(timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const timer = setTimeout(() => this.destroy(), timeoutMs);
    void closed.then(() => clearTimeout(timer));
    this.draining = true;
    this.flush();
    return closed;
  }

  /**
   * Quota throttling (KIP-219): the responses already due still go out, but no further request is
   * started (nor read) for `ms`; a longer throttle extends the mute, a shorter one does not cut it.
   */
  muteFor(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.mutedUntilMs) return;
    this.mutedUntilMs = until;
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.muteTimer = null;
      this.mutedUntilMs = 0;
      this.flush();
    }, ms);
    this.muteTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    let frames: Buffer[];
    let oversized: FrameSizeError | null = null;
    this.decoder.maxFrameBytes = this.authenticator?.authenticated === false
      ? Math.min(this.limits.maxFrameBytes, this.limits.maxUnauthenticatedFrameBytes ?? Infinity)
      : this.limits.maxFrameBytes;
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      // The decoder refuses a size above socket.request.max.bytes (or negative) before reading the body;
      // the complete frames before it in this chunk are still answered.
      if (!(error instanceof FrameSizeError)) throw error;
      frames = error.frames;
      oversized = error;
    }
    for (const frame of frames) this.onFrame(frame);
    if (oversized !== null) this.refuse(new InvalidRequestError(`${oversized.message} (socket.request.max.bytes)`, 'oversized'));
    this.updateReading();
  }

  private onFrame(frame: Buffer): void {
    if (this.closing) return;
    if (this.held.length > 0 || !this.canDispatch()) {
      this.held.push(frame);
      this.heldAt.set(frame, process.hrtime.bigint());
    } else this.dispatch(frame);
  }

  private canDispatch(): boolean {
    const { maxInFlightRequests, maxInFlightBytes, maxQueuedResponseBytes } = this.limits;
    if (this.socket.writableLength >= maxQueuedResponseBytes) return false;
    if (this.mutedUntilMs > 0 && Date.now() < this.mutedUntilMs) return false;
    // The SASL exchange is one request at a time: what follows depends on its outcome.
    if (this.authenticator?.authenticated === false) return this.slots.length === 0;
    return this.slots.length === 0 || (this.slots.length < maxInFlightRequests && this.inFlightBytes < maxInFlightBytes);
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { requestBytes: frame.length, done: false, frame: null, close: false };
    this.slots.push(slot);
    this.inFlightBytes += frame.length;
    try {
      const answer = this.authenticator?.handle(frame, this.info) ?? null;
      if (answer !== null) return this.authenticated(slot, answer);
      this.dispatcher.dispatch(frame, this.info, this.heldAt.get(frame)).then(
        (response) => this.complete(slot, response),
        (error: unknown) => this.failed(slot, error),
      );
    } catch (error) {
      this.failed(slot, error);
    }
  }

  private complete(slot: Slot, frame: ResponseFrame): void {
    slot.done = true;
    slot.frame = frame;
    this.scheduleFlush();
  }

  private authenticated(slot: Slot, answer: AuthenticatorAnswer): void {
    if (answer.close !== undefined) {
      this.log.info(`Closing connection ${this.info.connectionId} (${this.info.clientAddress}): ${answer.close}`);
      this.closing = true;
      slot.close = true;
    }
    this.complete(slot, answer.response);
  }

  /**
   * Flushes once after the current run of microtasks, so the answers of
   * pipelined requests that finish together leave in one write.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private failed(slot: Slot, error: unknown): void {
    if (error instanceof InvalidRequestError) {
      this.metrics.badFramesTotal.inc({ reason: error.reason });
      this.log.warn(`Closing connection ${this.info.connectionId} (${this.info.clientAddress}): ${error.message}`);
    } else {
      this.metrics.badFramesTotal.inc({ reason: 'handler_failed' });
      this.log.error(`Closing connection ${this.info.connectionId} after an unexpected error`, error);
    }
    this.closing = true;
    slot.done = true;
    slot.close = true;
    this.scheduleFlush();
  }

  /** An oversized frame: nothing of it is read; earlier requests are still answered. */
  private refuse(error: InvalidRequestError): void {
    this.slots.push({ requestBytes: 0, done: false, frame: null, close: false });
    this.failed(this.slots[this.slots.length - 1]!, error);
  }

  /**
   * Writes every answered response at the head of the queue. Small chunks
   * (headers, small bodies) are joined into one buffer per flush, since a
   * writev of many tiny buffers costs more than the copy; large chunks (record
   * batches) are written as they are, never copied.
   */
  private flush(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    let small: Buffer[] = [];
    let smallBytes = 0;
    const writeSmall = (): void => {
      if (small.length === 0) return;
      this.write(small.length === 1 ? small[0]! : Buffer.concat(small, smallBytes));
      small = [];
      smallBytes = 0;
    };
    socket.cork();
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      this.inFlightBytes -= slot.requestBytes;
      if (slot.close) {
        // A failed authentication's answer goes out before the connection closes.
        small.push(...(slot.frame ?? []));
        smallBytes += (slot.frame ?? []).reduce((sum, chunk) => sum + chunk.length, 0);
        writeSmall();
        this.slots.length = 0;
        this.held.length = 0;
        socket.uncork();
        socket.end(() => socket.destroy());
        return;
      }
      for (const chunk of slot.frame ?? []) {
        if (chunk.length >= COALESCE_MAX_BYTES) {
          writeSmall();
          this.write(chunk);
        } else {
          small.push(chunk);
          smallBytes += chunk.length;
        }
      }
    }
    writeSmall();
    socket.uncork();
    while (!this.closing && this.held.length > 0 && this.canDispatch()) {
      this.dispatch(this.held.shift()!);
    }
    if (this.draining && this.slots.length === 0 && this.held.length === 0 && !this.closing) {
      this.closing = true;
      socket.end(() => socket.destroy());
      return;
    }
    this.updateReading();
  }

  private write(chunk: Buffer): void {
    if (!this.socket.write(chunk)) this.writeBlocked = true;
    this.metrics.noteResponseQueue(this.socket.writableLength);
  }


  private updateReading(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    const mustWait =
      this.closing ||
      this.draining ||
      this.writeBlocked ||
      this.held.length > 0 ||
      !this.canDispatch();
    if (mustWait && !socket.isPaused()) socket.pause();
    else if (!mustWait && socket.isPaused()) socket.resume();
  }

  private onIdle(): void {
    // A connection waiting on its own requests (a long-poll fetch) is not idle;
    // the timer restarts when the response is written.
    if (this.slots.length > 0) return;
    this.log.info(
      `Closing connection ${this.info.connectionId} (${this.info.clientAddress}): idle for more than ${this.limits.idleTimeoutMs} ms`,
    );
    this.destroy();
  }
}
