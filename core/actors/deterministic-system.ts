import {
  AskTimeoutError,
  MailboxFullError,
  isReplyWithPayload,
  UnknownActorError,
  type ActorContext,
  type ActorFactory,
  type ActorMessage,
  type Address,
  type AskOptions,
  type SendResult,
} from './actor.js';
import { ActorCell, defaultMailboxLimits, defaultRestartPolicy, type Delivery, type RestartPolicy } from './actor-cell.js';
import { DEFAULT_ASK_TIMEOUT_MS } from './actor-host.js';
import { MESSAGE_OVERHEAD_BYTES, type QueueLimits } from './mailbox.js';
import { SeededRandom } from './seeded-random.js';
import { VirtualClock } from './virtual-clock.js';

/** The sender name used for messages from outside any actor (the test itself). */
export const EXTERNAL: Address = '$external';

export interface DeterministicSystemOptions {
  readonly seed: number;
  readonly clock?: VirtualClock;
  readonly log?: (line: string) => void;
  readonly onActorStopped?: (name: Address, error: Error) => void;
  /** Most messages in flight per (sender, receiver) pair; beyond it `tell` says "full" and `send` waits. */
  readonly maxInFlightPerChannel?: number;
}

export interface DeterministicSpawn {
  readonly name: Address;
  readonly factory: ActorFactory;
  readonly args?: unknown;
  readonly mailbox?: QueueLimits;
  readonly restart?: RestartPolicy;
}

type InFlight =
  | { readonly kind: 'message'; readonly from: Address; readonly to: Address; readonly delivery: Delivery }
  | { readonly kind: 'reply'; readonly from: Address; readonly to: Address; readonly askId: number; readonly result: ActorMessage | Error };

interface Channel {
  readonly queue: InFlight[];
  readonly waitingSenders: Array<() => void>;
}

interface PendingAsk {
  readonly to: Address;
  readonly resolve: (message: ActorMessage<never>) => void;
  readonly reject: (error: Error) => void;
  readonly timerId: number;
}

/**
 * The actor runtime on one thread, for simulations: the same Actor factories
 * as the threaded Runtime, a VirtualClock instead of the wall clock, and a
 * SeededRandom that picks which (sender, receiver) channel delivers next. Per
 * channel order is kept (as the rings keep it); across channels the order is
 * the seed's choice, so one seed always gives the same run and its trace.
 */
export class DeterministicSystem {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  /** One line per delivery: `<nowMs> <from> -> <to> <body as JSON>`. */
  readonly trace: string[] = [];
  private readonly cells = new Map<Address, ActorCell>();
  private readonly contexts = new Map<Address, ActorContext>();
  private readonly channels = new Map<string, Channel>();
  private readonly asks = new Map<number, PendingAsk>();
  private readonly log: (line: string) => void;
  private nextAskId = 1;

  constructor(private readonly options: DeterministicSystemOptions) {
    this.clock = options.clock ?? new VirtualClock();
    this.random = new SeededRandom(options.seed);
    this.log = options.log ?? ((line) => this.trace.push(`${this.clock.nowMs()} log ${line}`));
  }

  spawn(spawn: DeterministicSpawn): Address {
    if (this.cells.has(spawn.name)) throw new Error(`actor ${spawn.name} already exists`);
    this.cells.set(
      spawn.name,
      new ActorCell({
        name: spawn.name,
        factory: spawn.factory,
        args: spawn.args,
        mailbox: spawn.mailbox ?? defaultMailboxLimits,
        restart: spawn.restart ?? defaultRestartPolicy,
        clock: this.clock,
        context: this.contextOf(spawn.name),
        log: this.log,
        onStopped: (name, error) => {
          this.cells.delete(name);
          this.options.onActorStopped?.(name, error);
        },
      }),
    );
    return spawn.name;
  }

  /** Removes an actor, as a crash of its node would; messages to it are then dropped (and logged). */
  async kill(name: Address): Promise<void> {
    const cell = this.cells.get(name);
    this.cells.delete(name);
    await cell?.stop('killed');
  }

  tell(to: Address, body: unknown, payload?: Uint8Array): SendResult {
    return this.tellFrom(EXTERNAL, to, body, payload);
  }

  send(to: Address, body: unknown, payload?: Uint8Array): Promise<void> {
    return this.sendFrom(EXTERNAL, to, body, payload);
  }

  ask<Body = unknown>(to: Address, body: unknown, options?: AskOptions): Promise<ActorMessage<Body>> {
    return this.askFrom<Body>(EXTERNAL, to, body, options);
  }

  /** Delivers one in-flight message, chosen by the seed. False when nothing can be delivered now. */
  async step(): Promise<boolean> {
    const ready: Channel[] = [];
    for (const channel of this.channels.values()) if (this.canDeliver(channel)) ready.push(channel);
    if (ready.length === 0) return false;
    const channel = this.random.pick(ready);
    const entry = channel.queue.shift()!;
    channel.waitingSenders.shift()?.();
    if (entry.kind === 'reply') {
      this.trace.push(`${this.clock.nowMs()} ${entry.from} -> ${entry.to} reply ${describe(entry.result instanceof Error ? entry.result.message : entry.result.body)}`);
      this.settleAsk(entry.askId, entry.result);
    } else {
      this.trace.push(`${this.clock.nowMs()} ${entry.from} -> ${entry.to} ${describe(entry.delivery.message.body)}`);
      const cell = this.cells.get(entry.to);
      if (cell === undefined) {
        this.log(`message from ${entry.from} to unknown actor ${entry.to} not delivered`);
        entry.delivery.reject?.(new UnknownActorError(entry.to));
      } else {
        cell.enqueue(entry.delivery);
        void cell.runNext(this.contextOf(entry.to));
      }
    }
    // Let handlers run on to their next await (only microtasks: no real I/O or time in here).
    await new Promise<void>((resolve) => setImmediate(resolve));
    return true;
  }

  /** Steps until nothing is deliverable; returns the number of deliveries. */
  async runUntilIdle(maxSteps = 1_000_000): Promise<number> {
    let steps = 0;
    while (steps < maxSteps) {
      if (await this.step()) {
        steps++;
        continue;
      }
      // Code outside the actors (a promise chain ending in an ask, a timer's callback) queues its message a few microtasks later.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!(await this.step())) break;
      steps++;
    }
    return steps;
  }

  /** Runs to quiescence, then moves the clock to the next timer, until `durationMs` has passed. */
  async runFor(durationMs: number): Promise<void> {
    const endMs = this.clock.nowMs() + durationMs;
    for (;;) {
      await this.runUntilIdle();
      const dueMs = this.clock.nextDueMs();
      if (dueMs === undefined || dueMs > endMs) break;
      this.clock.advance(dueMs - this.clock.nowMs());
    }
    this.clock.advance(endMs - this.clock.nowMs());
    await this.runUntilIdle();
  }

  /** Messages in flight, per "from -> to" channel, for assertions and metrics. */
  depths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, channel] of this.channels) if (channel.queue.length > 0) out[key] = channel.queue.length;
    return out;
  }

  // ---- internals ----

  private canDeliver(channel: Channel): boolean {
    const head = channel.queue[0];
    if (head === undefined) return false;
    if (head.kind === 'reply') return true;
    const cell = this.cells.get(head.to);
    return cell === undefined || cell.state === 'idle';
  }

  private channel(from: Address, to: Address): Channel {
    const key = `${from} -> ${to}`;
    let channel = this.channels.get(key);
    if (channel === undefined) this.channels.set(key, (channel = { queue: [], waitingSenders: [] }));
    return channel;
  }

  private get channelLimit(): number {
    return this.options.maxInFlightPerChannel ?? defaultMailboxLimits.maxMessages;
  }

  private tellFrom(from: Address, to: Address, body: unknown, payload?: Uint8Array): SendResult {
    if (!this.cells.has(to)) throw new UnknownActorError(to);
    const channel = this.channel(from, to);
    if (channel.queue.length >= this.channelLimit || channel.waitingSenders.length > 0) return 'full';
    channel.queue.push({ kind: 'message', from, to, delivery: delivery(from, body, payload) });
    return 'sent';
  }

  private async sendFrom(from: Address, to: Address, body: unknown, payload?: Uint8Array): Promise<void> {
    if (!this.cells.has(to)) throw new UnknownActorError(to);
    const channel = this.channel(from, to);
    if (channel.queue.length >= this.channelLimit || channel.waitingSenders.length > 0) {
      if (channel.waitingSenders.length >= this.channelLimit) throw new MailboxFullError(to);
      await new Promise<void>((resolve) => channel.waitingSenders.push(resolve));
    }
    channel.queue.push({ kind: 'message', from, to, delivery: delivery(from, body, payload) });
  }

  private askFrom<Body>(from: Address, to: Address, body: unknown, options: AskOptions = {}): Promise<ActorMessage<Body>> {
    if (!this.cells.has(to)) return Promise.reject(new UnknownActorError(to));
    const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
    return new Promise<ActorMessage<Body>>((resolve, reject) => {
      const askId = this.nextAskId++;
      const timerId = this.clock.setTimer(timeoutMs, () => this.settleAsk(askId, new AskTimeoutError(to, timeoutMs)));
      this.asks.set(askId, { to, resolve: resolve as (m: ActorMessage<never>) => void, reject, timerId });
      const answer = (result: ActorMessage | Error) => this.channel(to, from).queue.push({ kind: 'reply', from: to, to: from, askId, result });
      const channel = this.channel(from, to);
      channel.queue.push({
        kind: 'message',
        from,
        to,
        delivery: {
          ...delivery(from, body, options.payload),
          respond: (result) => answer(isReplyWithPayload(result) ? { body: result.body, payload: result.payload, from: to } : { body: result, from: to }),
          reject: (error) => answer(error),
        },
      });
    });
  }

  private settleAsk(askId: number, result: ActorMessage | Error): void {
    const ask = this.asks.get(askId);
    if (ask === undefined) return;
    this.asks.delete(askId);
    this.clock.cancel(ask.timerId);
    if (result instanceof Error) ask.reject(result);
    else ask.resolve(result as ActorMessage<never>);
  }

  private contextOf(self: Address): ActorContext {
    let ctx = this.contexts.get(self);
    if (ctx === undefined) {
      ctx = {
        self,
        nowMs: () => this.clock.nowMs(),
        tell: (to, body, payload) => this.tellFrom(self, to, body, payload),
        send: (to, body, payload) => this.sendFrom(self, to, body, payload),
        ask: (to, body, options) => this.askFrom(self, to, body, options),
        schedule: (delayMs, body) => this.clock.setTimer(delayMs, () => void this.sendFrom(self, self, body).catch(() => undefined)),
        cancel: (timerId) => this.clock.cancel(timerId),
      };
      this.contexts.set(self, ctx);
    }
    return ctx;
  }
}

function delivery(from: Address, body: unknown, payload: Uint8Array | undefined): Delivery {
  const message: { body: unknown; payload?: Uint8Array; from?: Address } = { body };
  if (from !== EXTERNAL) message.from = from;
  if (payload !== undefined) message.payload = payload;
  return { message, sizeBytes: MESSAGE_OVERHEAD_BYTES + (payload?.byteLength ?? 0) };
}

function describe(body: unknown): string {
  return JSON.stringify(body) ?? String(body);
}
