import { ActorFailedError, type Actor, type ActorContext, type ActorFactory, type ActorMessage, type Address } from './actor.js';
import { Mailbox, type QueueLimits } from './mailbox.js';
import type { Clock } from './virtual-clock.js';

/** One queued message; asks carry how to answer. */
export interface Delivery {
  readonly message: ActorMessage;
  readonly sizeBytes: number;
  readonly respond?: (result: unknown) => void;
  readonly reject?: (error: Error) => void;
}

/** The supervisor's rule: restart up to maxRestarts times within withinMs, then stop and report. */
export interface RestartPolicy {
  maxRestarts: number;
  withinMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { maxRestarts: 3, withinMs: 60_000 };
export const defaultMailboxLimits: QueueLimits = { maxMessages: 1024, maxBytes: 64 << 20 };

export interface ActorCellOptions {
  readonly name: Address;
  readonly factory: ActorFactory;
  readonly args: unknown;
  readonly mailbox: QueueLimits;
  readonly restart: RestartPolicy;
  readonly clock: Clock;
  /** The actor's context, handed to its factory (see ActorFactory). */
  readonly context: ActorContext;
  readonly log: (line: string) => void;
  /** The supervisor gave up: the actor stays stopped. */
  readonly onStopped: (name: Address, error: Error) => void;
}

export type CellState = 'idle' | 'running' | 'stopped';

/**
 * An actor instance with its mailbox and its supervision: runs one message at
 * a time, and on a throw rebuilds the actor from its factory (with the last
 * snapshot) or, past the restart budget, stops it and fails what was queued.
 * Scheduling (when to call `runNext`) belongs to the host.
 */
export class ActorCell {
  readonly mailbox: Mailbox<Delivery>;
  state: CellState = 'idle';
  restarts = 0;
  private instance: Actor;
  private lastSnapshot: unknown;
  private restartTimesMs: number[] = [];

  constructor(readonly options: ActorCellOptions) {
    this.mailbox = new Mailbox(options.mailbox);
    this.instance = options.factory(options.args, { restarts: 0, snapshot: undefined }, options.context);
  }

  get name(): Address {
    return this.options.name;
  }

  /** False when the mailbox is at its limit (or the actor is stopped): nothing was queued. */
  enqueue(delivery: Delivery): boolean {
    if (this.state === 'stopped') {
      delivery.reject?.(new ActorFailedError(this.name, 'stopped'));
      return true;
    }
    return this.mailbox.offer(delivery, delivery.sizeBytes);
  }

  get hasWork(): boolean {
    return this.state === 'idle' && this.mailbox.depth > 0;
  }

  /** Idle with an empty mailbox, and its actor reads payloads only while it runs: a delivery may run at once, on a borrowed payload. */
  get canRunBorrowed(): boolean {
    return this.state === 'idle' && this.mailbox.depth === 0 && this.instance.borrowsPayload === true;
  }

  /**
   * Handles the next message. Returns a promise only when the handler was
   * asynchronous; the cell stays 'running' until it settles.
   */
  runNext(ctx: ActorContext): Promise<void> | undefined {
    const delivery = this.mailbox.shift();
    if (delivery === undefined) return undefined;
    return this.run(delivery, ctx);
  }

  /** Handles `delivery` now, past the mailbox (the caller checked `canRunBorrowed`, which keeps the order). */
  run(delivery: Delivery, ctx: ActorContext): Promise<void> | undefined {
    if (this.state !== 'idle') return undefined;
    let result: unknown;
    try {
      result = this.instance.receive(delivery.message, ctx);
    } catch (error) {
      this.fail(delivery, error);
      return undefined;
    }
    if (isPromiseLike(result)) {
      this.state = 'running';
      return Promise.resolve(result).then(
        (value) => {
          if (this.state === 'running') this.state = 'idle';
          this.succeed(delivery, value);
        },
        (error: unknown) => {
          if (this.state === 'running') this.state = 'idle';
          this.fail(delivery, error);
        },
      );
    }
    this.succeed(delivery, result);
    return undefined;
  }

  /** Stops the actor for good (shutdown): fails queued asks, calls its stop hook. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.failQueued(reason);
    await this.instance.stop?.();
  }

  private succeed(delivery: Delivery, result: unknown): void {
    if (this.instance.snapshot !== undefined) this.lastSnapshot = this.instance.snapshot();
    delivery.respond?.(result);
  }

  private fail(delivery: Delivery, cause: unknown): void {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    this.options.log(`actor ${this.name} failed: ${error.stack ?? error.message}`);
    delivery.reject?.(new ActorFailedError(this.name, `failed: ${error.message}`));
    if (this.state === 'stopped') return;
    const nowMs = this.options.clock.nowMs();
    const { maxRestarts, withinMs } = this.options.restart;
    this.restartTimesMs = this.restartTimesMs.filter((t) => nowMs - t < withinMs);
    if (this.restartTimesMs.length < maxRestarts) {
      try {
        this.restarts++;
        this.restartTimesMs.push(nowMs);
        this.instance = this.options.factory(this.options.args, { restarts: this.restarts, snapshot: this.lastSnapshot }, this.options.context);
        this.options.log(`actor ${this.name} restarted (restart ${this.restarts})`);
        return;
      } catch (restartError) {
        this.options.log(`actor ${this.name} could not be restarted: ${String(restartError)}`);
      }
    }
    this.state = 'stopped';
    this.failQueued(`stopped after failure: ${error.message}`);
    this.options.onStopped(this.name, error);
  }

  private failQueued(reason: string): void {
    for (const queued of this.mailbox.drain()) queued.reject?.(new ActorFailedError(this.name, reason));
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
