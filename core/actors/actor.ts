/** What actors see: the same surface on a worker thread and under the deterministic scheduler. */

/** An actor's address: its unique name. Where it runs is the runtime's business. */
export type Address = string;

export interface ActorMessage<Body = unknown> {
  readonly body: Body;
  /** Raw bytes (e.g. a record batch) that cross threads through the shared ring, not msgpack. */
  readonly payload?: Uint8Array;
  /** The sending actor, when the sender is an actor. */
  readonly from?: Address;
}

/** `tell` outcome: nothing is ever dropped silently; "full" means nothing was enqueued. */
export type SendResult = 'sent' | 'full';

export interface AskOptions {
  payload?: Uint8Array;
  /** Reject with AskTimeoutError after this long (default 30 000 ms). */
  timeoutMs?: number;
}

export interface ActorContext {
  readonly self: Address;
  nowMs(): number;
  /** One-way, never waits: "full" when the destination's mailbox or ring is at its limit. */
  tell(to: Address, body: unknown, payload?: Uint8Array): SendResult;
  /** One-way, waits (back-pressure) until there is room. */
  send(to: Address, body: unknown, payload?: Uint8Array): Promise<void>;
  /** Request/reply: resolves with what the target's `receive` returned. */
  ask<Body = unknown>(to: Address, body: unknown, options?: AskOptions): Promise<ActorMessage<Body>>;
  /** Delivers `body` to this actor after `delayMs` (on the runtime's clock). */
  schedule(delayMs: number, body: unknown): number;
  cancel(timerId: number): void;
}

export interface Actor {
  /**
   * Handles one message; the next waits until the returned promise settles.
   * The return value is the reply to an `ask` (use `reply()` to attach bytes).
   * Throwing stops this actor and hands it to its supervisor.
   */
  receive(message: ActorMessage, ctx: ActorContext): unknown;
  /** Optional: state to hand to the next incarnation after a crash (taken after each handled message). */
  snapshot?(): unknown;
  /** Optional: release resources when stopped. */
  stop?(): void | Promise<void>;
  /**
   * Optional: `receive` reads `message.payload` only while it runs
   * synchronously (it copies whatever it keeps past that, e.g. across an
   * await). The host may then hand it a view of the shared-ring slot instead
   * of a copy: one copy less per message for byte-heavy actors.
   */
  readonly borrowsPayload?: boolean;
}

export interface Recovery {
  /** How many times this actor has been restarted so far. */
  readonly restarts: number;
  /** The last `snapshot()` of the previous incarnation, if it had one. */
  readonly snapshot: unknown;
}

/**
 * Builds an actor from msgpack-able args; called again on every restart. `ctx`
 * is the context its messages will see: an actor takes its clock and timers
 * from it (the wall clock on a worker thread, the virtual one under the
 * deterministic scheduler), never from Date.now or Node's timers.
 */
export type ActorFactory = (args: unknown, recovery: Recovery, ctx: ActorContext) => Actor;

const REPLY = Symbol('freshet.reply');

export interface ReplyWithPayload {
  readonly [REPLY]: true;
  readonly body: unknown;
  readonly payload: Uint8Array;
  /** The payload's ArrayBuffer may be moved to the asker's thread (detached here). */
  readonly transfer: boolean;
}

/**
 * A reply carrying raw bytes next to its body. With `transfer`, the replier
 * gives the payload's whole ArrayBuffer up: a payload too big for the ring
 * then moves to the asker's thread as it is instead of as a copy.
 */
export function reply(body: unknown, payload: Uint8Array, options: { transfer?: boolean } = {}): ReplyWithPayload {
  return { [REPLY]: true, body, payload, transfer: options.transfer === true };
}

export function isReplyWithPayload(value: unknown): value is ReplyWithPayload {
  return typeof value === 'object' && value !== null && REPLY in value;
}

export class AskTimeoutError extends Error {
  override readonly name = 'AskTimeoutError';
  constructor(readonly to: Address, readonly timeoutMs: number) {
    super(`ask to ${to} timed out after ${timeoutMs} ms`);
  }
}

/** The target failed while handling the ask, was stopped, or its thread died. */
export class ActorFailedError extends Error {
  override readonly name = 'ActorFailedError';
  constructor(readonly actor: Address, reason: string) {
    super(`actor ${actor}: ${reason}`);
  }
}

export class UnknownActorError extends Error {
  override readonly name = 'UnknownActorError';
  constructor(readonly actor: Address) {
    super(`no actor named ${actor}`);
  }
}

/** The sender gave up waiting for room (shutdown) or the mailbox refused for good. */
export class MailboxFullError extends Error {
  override readonly name = 'MailboxFullError';
  constructor(readonly actor: Address) {
    super(`mailbox of ${actor} is full`);
  }
}
