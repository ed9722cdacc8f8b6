import type { MessagePort } from 'node:worker_threads';
import {
  ActorFailedError,
  AskTimeoutError,
  MailboxFullError,
  UnknownActorError,
  isReplyWithPayload,
  type ActorContext,
  type ActorFactory,
  type ActorMessage,
  type Address,
  type AskOptions,
  type SendResult,
} from './actor.js';
import { ActorCell, defaultMailboxLimits, defaultRestartPolicy, type Delivery, type RestartPolicy } from './actor-cell.js';
import { CongestionTable } from './congestion-table.js';
import { Doorbell } from './doorbell.js';
import { MessageKind, decodeBody, decodeEnvelopeRecord, encodeEnvelope, envelopeRecordBytes, recordTag, writeEnvelopeRecord, type Envelope } from './envelope.js';
import { MESSAGE_OVERHEAD_BYTES, type QueueLimits } from './mailbox.js';
import { copyOut } from './shared-copy.js';
import { SharedRing, type SharedRingHandle } from './shared-ring.js';
import { SpinBudget } from './spin.js';
import type { Clock } from './virtual-clock.js';

export const DEFAULT_ASK_TIMEOUT_MS = 30_000;
/** Records taken from one inbound ring per pass, so that one busy peer cannot starve the others. */
const DRAIN_BATCH = 256;
/** Messages one actor handles per pass before others get a turn. */
const RUN_BATCH = 64;
/**
 * A payload given up for transfer at least this big moves by postMessage even
 * when it fits the ring: two copies (in and out) of ~1 MiB cost about twice
 * the move (1.5 vs 0.7 ms per 950 KiB fetch reply, 4 MiB rings).
 */
const MOVE_MIN_BYTES = 256 << 10;
/** Longest wait on a congested actor's slot before looking again (a missed notify only delays). */
const CONGESTION_RECHECK_MS = 50;

export interface ActorHostOptions {
  readonly threadIndex: number;
  readonly doorbell: Doorbell;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** An actor's supervisor gave up on it. */
  readonly onActorStopped: (name: Address, error: Error) => void;
  /** Most `send`/`ask` calls waiting for room per destination thread before they fail fast. */
  readonly maxWaitingSends?: number;
  /** Longest spin before sleeping on the doorbell or on a full ring (see SpinBudget); default 0. */
  readonly spinMicros?: number;
}

export interface LocalSpawn {
  readonly name: Address;
  readonly factory: ActorFactory;
  readonly args: unknown;
  readonly mailbox?: QueueLimits;
  readonly restart?: RestartPolicy;
}

/** Both directions between this thread and one peer, as the peer's side sees them mirrored. */
export interface PeerLink {
  readonly peer: number;
  readonly outRing: SharedRingHandle;
  readonly inRing: SharedRingHandle;
  readonly peerDoorbell: SharedArrayBuffer;
  /** Carries payloads too big for the ring, as transferred ArrayBuffers. */
  readonly port: MessagePort;
}

export interface HostDepths {
  readonly thread: number;
  readonly mailboxes: Record<Address, { messages: number; bytes: number }>;
  readonly inboundRings: Record<number, { records: number; bytes: number }>;
  readonly waitingSends: Record<number, number>;
  readonly pendingAsks: number;
}

interface WaitingSend {
  readonly bodyBytes: number;
  /** Writes the record; false when the ring is still full. */
  readonly write: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Outbound {
  readonly ring: SharedRing;
  readonly doorbell: Doorbell;
  /** Which of the peer's actors park messages (a full mailbox): sends to them are held here. */
  readonly congestion: CongestionTable;
  /** Sends held for a congested actor, in order per actor; they join `waiting` once it drains. */
  readonly held: Map<Address, WaitingSend[]>;
  heldCount: number;
  watching: boolean;
  /** For waits on this ring's room. */
  readonly spin: SpinBudget;
  readonly port: MessagePort;
  readonly waiting: WaitingSend[];
  pumping: boolean;
  closed: boolean;
  nextOversizeSeq: number;
}

interface Inbound {
  readonly ring: SharedRing;
  readonly port: MessagePort;
  readonly oversize: Map<number, { readonly payload?: Uint8Array; readonly body?: Uint8Array }>;
  /** Set while the head record cannot be taken yet: what it carries on the port has not arrived. */
  blockedOn: 'payload' | undefined;
}

/**
 * What does not fit a ring record, posted on the pair's port; its ring record
 * carries `seq`: a payload (`buffer`), and/or a body (msgpack) too big for a record.
 */
interface OversizePayload {
  readonly seq: number;
  readonly buffer?: ArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly body?: ArrayBuffer;
}

interface PendingAsk {
  readonly to: Address;
  readonly thread: number;
  readonly resolve: (message: ActorMessage<never>) => void;
  readonly reject: (error: Error) => void;
  readonly timerId: number;
}

interface LocalWaiter {
  readonly cell: ActorCell;
  readonly delivery: Delivery;
  readonly resolve: () => void;
}

/**
 * The actors of one thread, and this thread's ends of the rings to every
 * other thread. Messages to a local actor go straight to its mailbox; to a
 * remote one, through the ring to that thread, then its doorbell.
 */
export class ActorHost {
  readonly threadIndex: number;
  private readonly cells = new Map<Address, ActorCell>();
  private readonly directory = new Map<Address, number>();
  private readonly outbound = new Map<number, Outbound>();
  private readonly inbound = new Map<number, Inbound>();
  private readonly asks = new Map<number, PendingAsk>();
  private readonly localWaiters: LocalWaiter[] = [];
  /**
   * Messages from other threads that found their actor's mailbox full, in
   * arrival order: taken off the ring so that the ring (and every other actor
   * behind them on it) keeps flowing; the actor's slot in this thread's
   * congestion table holds its senders back meanwhile.
   */
  private readonly parked = new Map<ActorCell, Delivery[]>();
  private readonly congestion: CongestionTable;
  private readonly contexts = new Map<Address, ActorContext>();
  private nextAskId = 1;
  /** Peers written to since the last ring: each is rung once per burst, after the current run of code. */
  private readonly bellsToRing = new Set<Doorbell>();
  private pumpScheduled = false;
  private sleeping = false;
  private stopped = false;
  private running = 0;
  /** For doorbell sleeps. */
  private readonly spin: SpinBudget;

  constructor(private readonly options: ActorHostOptions) {
    this.threadIndex = options.threadIndex;
    this.spin = new SpinBudget(options.spinMicros ?? 0);
    this.congestion = Doorbell.congestionTable(options.doorbell.buffer);
  }

  // ---- wiring (driven by the runtime's control messages) ----

  start(): void {
    this.schedulePump();
  }

  connect(link: PeerLink): void {
    const outbound: Outbound = {
      ring: new SharedRing(link.outRing),
      doorbell: new Doorbell(link.peerDoorbell),
      congestion: Doorbell.congestionTable(link.peerDoorbell),
      held: new Map(),
      heldCount: 0,
      watching: false,
      spin: new SpinBudget(this.options.spinMicros ?? 0),
      port: link.port,
      waiting: [],
      pumping: false,
      closed: false,
      nextOversizeSeq: 0,
    };
    const inbound: Inbound = { ring: new SharedRing(link.inRing), port: link.port, oversize: new Map(), blockedOn: undefined };
    link.port.on('message', (message: OversizePayload) => {
      inbound.oversize.set(message.seq, {
        ...(message.buffer === undefined ? {} : { payload: new Uint8Array(message.buffer, message.byteOffset, message.byteLength) }),
        ...(message.body === undefined ? {} : { body: new Uint8Array(message.body) }),
      });
      if (inbound.blockedOn === 'payload') inbound.blockedOn = undefined;
      this.schedulePump();
    });
    link.port.unref();
    this.outbound.set(link.peer, outbound);
    this.inbound.set(link.peer, inbound);
    this.schedulePump();
  }

  /** The peer thread is gone: fail what waits on it, forget its rings. */
  disconnect(peer: number): void {
    const outbound = this.outbound.get(peer);
    if (outbound !== undefined) {
      outbound.closed = true;
      for (const waiting of [...outbound.waiting.splice(0), ...[...outbound.held.values()].flat()]) waiting.reject(new ActorFailedError(`thread ${peer}`, 'thread died'));
      outbound.held.clear();
      outbound.port.close();
    }
    this.outbound.delete(peer);
    this.inbound.delete(peer);
    for (const [askId, ask] of this.asks) {
      if (ask.thread === peer) this.settleAsk(askId, undefined, new ActorFailedError(ask.to, 'its thread died'));
    }
    for (const [name, thread] of this.directory) if (thread === peer) this.directory.delete(name);
  }

  setLocation(name: Address, thread: number | undefined): void {
    if (thread === undefined) this.directory.delete(name);
    else this.directory.set(name, thread);
  }

  spawnLocal(spawn: LocalSpawn): void {
    if (this.cells.has(spawn.name)) throw new Error(`actor ${spawn.name} already runs on thread ${this.threadIndex}`);
    const cell = new ActorCell({
      name: spawn.name,
      factory: spawn.factory,
      args: spawn.args,
      mailbox: spawn.mailbox ?? defaultMailboxLimits,
      restart: spawn.restart ?? defaultRestartPolicy,
      clock: this.options.clock,
      context: this.contextOf(spawn.name),
      log: this.options.log,
      onStopped: (name, error) => {
        this.cells.delete(name);
        this.contexts.delete(name);
        this.options.onActorStopped(name, error);
      },
    });
    this.cells.set(spawn.name, cell);
    this.directory.set(spawn.name, this.threadIndex);
  }

  async stopLocal(name: Address): Promise<void> {
    const cell = this.cells.get(name);
    if (cell === undefined) return;
    this.cells.delete(name);
    this.contexts.delete(name);
    await cell.stop();
  }

  // ---- messaging ----

  tell(from: Address | undefined, to: Address, body: unknown, payload?: Uint8Array): SendResult {
    const thread = this.locate(to);
    if (thread === this.threadIndex) {
      const cell = this.cells.get(to);
      if (cell === undefined) throw new UnknownActorError(to);
      if (this.localWaiters.some((w) => w.cell === cell)) return 'full';
      return this.enqueueLocal(cell, { message: message(body, payload, from), sizeBytes: sizeOf(payload) }) ? 'sent' : 'full';
    }
    const outbound = this.outboundTo(thread, to);
    if (outbound.waiting.length > 0 || this.isHeld(outbound, to)) return 'full';
    const write = this.recordWriter(outbound, MessageKind.tell, { to, from, body }, payload);
    if (!write.write()) return 'full';
    this.ringLater(outbound.doorbell);
    return 'sent';
  }

  /** Never throws: an unknown or unreachable actor rejects the promise (callers may be timers). */
  send(from: Address | undefined, to: Address, body: unknown, payload?: Uint8Array): Promise<void> {
    try {
      const thread = this.locate(to);
      if (thread === this.threadIndex) {
        const cell = this.cells.get(to);
        if (cell === undefined) return Promise.reject(new UnknownActorError(to));
        return this.sendLocal(cell, { message: message(body, payload, from), sizeBytes: sizeOf(payload) });
      }
      return this.sendRemote(this.outboundTo(thread, to), MessageKind.tell, { to, from, body }, payload);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ask<Body>(from: Address | undefined, to: Address, body: unknown, options: AskOptions = {}): Promise<ActorMessage<Body>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
    let thread: number;
    try {
      thread = this.locate(to);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<ActorMessage<Body>>((resolve, reject) => {
      const askId = this.nextAskId++;
      const timerId = this.options.clock.setTimer(timeoutMs, () => this.settleAsk(askId, undefined, new AskTimeoutError(to, timeoutMs)));
      this.asks.set(askId, { to, thread, resolve: resolve as (m: ActorMessage<never>) => void, reject, timerId });
      const failed = (error: Error) => this.settleAsk(askId, undefined, error);
      if (thread === this.threadIndex) {
        const cell = this.cells.get(to);
        if (cell === undefined) return failed(new UnknownActorError(to));
        const delivery: Delivery = {
          message: message(body, options.payload, from),
          sizeBytes: sizeOf(options.payload),
          respond: (result) => this.settleAsk(askId, replyMessage(result, to)),
          reject: failed,
        };
        this.sendLocal(cell, delivery).catch(failed);
      } else {
        const envelope: Envelope = { to, from, body, askId, replyThread: this.threadIndex };
        this.sendRemote(this.outboundTo(thread, to), MessageKind.ask, envelope, options.payload).catch(failed);
      }
    });
  }

  contextFor(self: Address): ActorContext {
    const clock = this.options.clock;
    return {
      self,
      nowMs: () => clock.nowMs(),
      tell: (to, body, payload) => this.tell(self, to, body, payload),
      send: (to, body, payload) => this.send(self, to, body, payload),
      ask: (to, body, options) => this.ask(self, to, body, options),
      schedule: (delayMs, body) =>
        clock.setTimer(delayMs, () => {
          // A timer that outlives its stopped actor (a deleted partition) has nobody to tell.
          if (!this.cells.has(self)) return;
          this.send(self, self, body).catch((error: unknown) => this.options.log(`timer message to ${self} lost: ${String(error)}`));
        }),
      cancel: (timerId) => clock.cancel(timerId),
    };
  }

  // ---- state for metrics and shutdown ----

  depths(): HostDepths {
    const mailboxes: HostDepths['mailboxes'] = {};
    for (const [name, cell] of this.cells) {
      const parked = this.parked.get(cell) ?? [];
      mailboxes[name] = { messages: cell.mailbox.depth + parked.length, bytes: cell.mailbox.depthBytes + parked.reduce((sum, d) => sum + d.sizeBytes, 0) };
    }
    const inboundRings: HostDepths['inboundRings'] = {};
    for (const [peer, inbound] of this.inbound) inboundRings[peer] = { records: inbound.ring.depthRecords, bytes: inbound.ring.depthBytes };
    const waitingSends: HostDepths['waitingSends'] = {};
    for (const [peer, outbound] of this.outbound) waitingSends[peer] = outbound.waiting.length + outbound.heldCount;
    return { thread: this.threadIndex, mailboxes, inboundRings, waitingSends, pendingAsks: this.asks.size };
  }

  /** Nothing queued, running or waiting to be sent here, and nothing unread in the rings to this thread. */
  get isIdle(): boolean {
    if (this.running > 0 || this.localWaiters.length > 0 || this.parked.size > 0) return false;
    for (const cell of this.cells.values()) if (cell.mailbox.depth > 0) return false;
    for (const inbound of this.inbound.values()) if (!inbound.ring.isEmpty) return false;
    for (const outbound of this.outbound.values()) if (outbound.waiting.length > 0 || outbound.heldCount > 0) return false;
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.doorbell.stop();
    for (const cell of this.cells.values()) await cell.stop('runtime shut down');
    this.cells.clear();
    for (const [cell, deliveries] of this.parked) for (const delivery of deliveries) delivery.reject?.(new ActorFailedError(cell.name, 'runtime shut down'));
    this.parked.clear();
    for (const [askId] of this.asks) this.settleAsk(askId, undefined, new ActorFailedError('runtime', 'shut down'));
    for (const outbound of this.outbound.values()) {
      outbound.closed = true;
      for (const waiting of [...outbound.waiting.splice(0), ...[...outbound.held.values()].flat()]) waiting.reject(new MailboxFullError('runtime shut down'));
      outbound.held.clear();
      outbound.port.close();
    }
  }

  // ---- internals ----

  private locate(to: Address): number {
    const thread = this.directory.get(to);
    if (thread === undefined) throw new UnknownActorError(to);
    return thread;
  }

  private outboundTo(thread: number, to: Address): Outbound {
    const outbound = this.outbound.get(thread);
    if (outbound === undefined) throw new ActorFailedError(to, `thread ${thread} is not connected`);
    return outbound;
  }

  private settleAsk(askId: number, result: ActorMessage<never> | undefined, error?: Error): void {
    const ask = this.asks.get(askId);
    if (ask === undefined) return; // already timed out or answered
    this.asks.delete(askId);
    this.options.clock.cancel(ask.timerId);
    if (error !== undefined) ask.reject(error);
    else ask.resolve(result!);
  }

  private enqueueLocal(cell: ActorCell, delivery: Delivery): boolean {
    if (!cell.enqueue(delivery)) return false;
    this.schedulePump();
    return true;
  }

  private sendLocal(cell: ActorCell, delivery: Delivery): Promise<void> {
    if (!this.localWaiters.some((w) => w.cell === cell) && this.enqueueLocal(cell, delivery)) return Promise.resolve();
    if (this.localWaiters.length >= (this.options.maxWaitingSends ?? 4096)) return Promise.reject(new MailboxFullError(cell.name));
    return new Promise((resolve) => this.localWaiters.push({ cell, delivery, resolve }));
  }

  /**
   * Builds the write of one record; what does not fit a record (a payload,
   * or a body bigger than a record holds) is posted on the port once,
   * whatever the retries, and the record keeps its place in the order.
   */
  private recordWriter(outbound: Outbound, kind: MessageKind, envelope: Envelope, payload: Uint8Array | undefined, transfer = false): WaitingSend {
    const payloadBytes = payload?.byteLength ?? 0;
    let encoded = encodeEnvelope(envelope);
    // The envelope alone is a few dozen bytes past its body: a body that leaves no room for it goes by port.
    const bodyOnPort = envelopeRecordBytes(encoded.byteLength, 0) > outbound.ring.maxRecordBytes ? Uint8Array.from(encodeEnvelope({ body: envelope.body })) : undefined;
    const oversize =
      bodyOnPort !== undefined ||
      (payload !== undefined && (envelopeRecordBytes(encoded.byteLength, payloadBytes) > outbound.ring.maxRecordBytes || (transfer && payloadBytes >= MOVE_MIN_BYTES)));
    const oversizeSeq = oversize ? outbound.nextOversizeSeq++ : -1;
    if (oversize) encoded = encodeEnvelope(bodyOnPort === undefined ? { ...envelope, oversizeSeq } : { ...envelope, body: null, bodyOnPort: true, oversizeSeq });
    const inline = oversize ? undefined : payload;
    const envelopeBytes = Uint8Array.from(encoded);
    const bodyBytes = envelopeRecordBytes(envelopeBytes.byteLength, inline?.byteLength ?? 0);
    const tag = recordTag(kind, payload !== undefined, oversize);
    let posted = false;
    return {
      bodyBytes,
      write: () => {
        // Single producer: once there is room, the write below cannot fail, so the port message is posted exactly once.
        if (!outbound.ring.hasRoomFor(bodyBytes)) return false;
        if (oversize && !posted) {
          // A payload moves as it is when the owner gave it up (never Node's shared pool: bigger than a pool slab), else is copied.
          const movable = payload !== undefined && transfer && payload.buffer instanceof ArrayBuffer && payloadBytes > Buffer.poolSize;
          const buffer =
            payload === undefined ? undefined : movable ? (payload.buffer as ArrayBuffer) : (payload.buffer.slice(payload.byteOffset, payload.byteOffset + payloadBytes) as ArrayBuffer);
          const message: OversizePayload = {
            seq: oversizeSeq,
            byteOffset: movable ? payload!.byteOffset : 0,
            byteLength: payloadBytes,
            ...(buffer === undefined ? {} : { buffer }),
            ...(bodyOnPort === undefined ? {} : { body: bodyOnPort.buffer as ArrayBuffer }),
          };
          outbound.port.postMessage(message, [...(buffer === undefined ? [] : [buffer]), ...(bodyOnPort === undefined ? [] : [bodyOnPort.buffer as ArrayBuffer])]);
          posted = true;
        }
        return outbound.ring.tryWriteWith(tag, bodyBytes, (target) => writeEnvelopeRecord(target, envelopeBytes, inline));
      },
      resolve: () => undefined,
      reject: () => undefined,
    };
  }

  private sendRemote(outbound: Outbound, kind: MessageKind, envelope: Envelope, payload: Uint8Array | undefined, transfer = false): Promise<void> {
    if (outbound.closed) return Promise.reject(new ActorFailedError(envelope.to ?? 'peer', 'its thread died'));
    let record: WaitingSend;
    try {
      record = this.recordWriter(outbound, kind, envelope, payload, transfer);
    } catch (error) {
      return Promise.reject(error);
    }
    const to = envelope.to;
    if (to !== undefined && this.isHeld(outbound, to)) {
      if (outbound.heldCount >= (this.options.maxWaitingSends ?? 4096)) return Promise.reject(new MailboxFullError(to));
      return new Promise<void>((resolve, reject) => {
        let queue = outbound.held.get(to);
        if (queue === undefined) outbound.held.set(to, (queue = []));
        queue.push({ ...record, resolve, reject });
        outbound.heldCount++;
        void this.watchCongestion(outbound);
      });
    }
    return this.writeOrWait(outbound, record, to ?? 'peer');
  }

  /** Writes the record now if nothing waits before it, else queues it behind the others for the ring's room. */
  private writeOrWait(outbound: Outbound, record: WaitingSend, to: Address): Promise<void> {
    if (outbound.waiting.length === 0 && record.write()) {
      this.ringLater(outbound.doorbell);
      return Promise.resolve();
    }
    if (outbound.waiting.length >= (this.options.maxWaitingSends ?? 4096)) return Promise.reject(new MailboxFullError(to));
    return new Promise<void>((resolve, reject) => {
      outbound.waiting.push({ ...record, resolve, reject });
      void this.pumpOutbound(outbound);
    });
  }

  /** Sends to `to` wait: its mailbox is full (its slot is raised), or earlier sends to it still do. */
  private isHeld(outbound: Outbound, to: Address): boolean {
    return outbound.held.has(to) || outbound.congestion.isCongested(CongestionTable.slotOf(to));
  }

  /** Releases held sends, in order per actor, as their actors' slots go down. */
  private async watchCongestion(outbound: Outbound): Promise<void> {
    if (outbound.watching) return;
    outbound.watching = true;
    try {
      while (!outbound.closed && outbound.held.size > 0) {
        let waitOn: number | undefined;
        for (const [to, queue] of outbound.held) {
          const slot = CongestionTable.slotOf(to);
          if (outbound.congestion.isCongested(slot)) {
            waitOn ??= slot;
            continue;
          }
          outbound.held.delete(to);
          outbound.heldCount -= queue.length;
          for (const send of queue) this.writeOrWait(outbound, send, to).then(send.resolve, send.reject);
        }
        if (waitOn !== undefined) await outbound.congestion.changed(waitOn, CONGESTION_RECHECK_MS);
      }
    } finally {
      outbound.watching = false;
    }
  }

  /** Writes waiting sends in order as the peer frees room: the sender-side back-pressure. */
  private async pumpOutbound(outbound: Outbound): Promise<void> {
    if (outbound.pumping) return;
    outbound.pumping = true;
    try {
      while (!outbound.closed && outbound.waiting.length > 0) {
        const head = outbound.waiting[0]!;
        if (head.write()) {
          outbound.waiting.shift();
          outbound.doorbell.ring();
          head.resolve();
          continue;
        }
        outbound.doorbell.ring();
        // Bounded wait so that a closed channel is noticed even without a wake-up.
        await outbound.ring.waitForRoom(head.bodyBytes, 1000, outbound.spin);
      }
    } finally {
      outbound.pumping = false;
    }
  }

  /**
   * Rings a peer's doorbell once the current synchronous run (a pump pass,
   * a request's asks) is done: the peer wakes once for the whole burst
   * instead of waking, draining one record and sleeping again per record.
   */
  private ringLater(doorbell: Doorbell): void {
    if (this.bellsToRing.size === 0) queueMicrotask(() => this.ringBells());
    this.bellsToRing.add(doorbell);
  }

  private ringBells(): void {
    for (const doorbell of this.bellsToRing) doorbell.ring();
    this.bellsToRing.clear();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** One pass: take records from the rings, run ready actors, then sleep on the doorbell if idle. */
  private pump(): void {
    if (this.stopped) return;
    let more = this.drainInbound();
    this.unparkDeliveries();
    this.retryLocalWaiters();
    for (const [name, cell] of this.cells) {
      const ctx = this.contextOf(name);
      for (let i = 0; i < RUN_BATCH && cell.hasWork; i++) {
        this.track(cell.runNext(ctx));
      }
      if (cell.hasWork) more = true;
    }
    // Handling freed mailbox room: parked messages and local waiters may proceed now.
    if (this.unparkDeliveries()) more = true;
    this.retryLocalWaiters();
    if (more || this.hasReadableInbound()) this.schedulePump();
    else this.sleep();
  }

  private contextOf(name: Address): ActorContext {
    let ctx = this.contexts.get(name);
    if (ctx === undefined) this.contexts.set(name, (ctx = this.contextFor(name)));
    return ctx;
  }

  /** An asynchronous handler keeps its cell busy; another pass follows once it settles. */
  private track(pending: Promise<void> | undefined): void {
    if (pending === undefined) return;
    this.running++;
    void pending.finally(() => {
      this.running--;
      this.schedulePump();
    });
  }

  private sleep(): void {
    if (this.sleeping) return;
    this.sleeping = true;
    void this.options.doorbell.sleep(() => this.hasReadableInbound(), this.spin).then((awake) => {
      this.sleeping = false;
      // Straight into a pass: going through setImmediate would cost another event-loop turn per wake-up.
      if (awake && !this.pumpScheduled && !this.stopped) this.pump();
    });
  }

  private hasReadableInbound(): boolean {
    for (const inbound of this.inbound.values()) if (inbound.blockedOn === undefined && !inbound.ring.isEmpty) return true;
    return false;
  }

  /** Moves parked messages into their mailboxes as room frees (true if any moved); an actor with none left lets its senders go. */
  private unparkDeliveries(): boolean {
    let moved = false;
    for (const [cell, deliveries] of this.parked) {
      let taken = 0;
      while (taken < deliveries.length && cell.enqueue(deliveries[taken]!)) taken++;
      deliveries.splice(0, taken);
      if (taken > 0) moved = true;
      if (deliveries.length > 0) continue;
      this.parked.delete(cell);
      this.congestion.lower(CongestionTable.slotOf(cell.name));
    }
    return moved;
  }

  private retryLocalWaiters(): void {
    for (let i = 0; i < this.localWaiters.length; ) {
      const waiter = this.localWaiters[i]!;
      // Only the first waiter per cell may go: later ones must not overtake it.
      if (this.localWaiters.findIndex((w) => w.cell === waiter.cell) === i && this.enqueueLocal(waiter.cell, waiter.delivery)) {
        this.localWaiters.splice(i, 1);
        waiter.resolve();
      } else i++;
    }
  }

  /** Returns true when some ring still has records for another pass. */
  private drainInbound(): boolean {
    let more = false;
    for (const [peer, inbound] of this.inbound) {
      if (inbound.blockedOn !== undefined) continue;
      const taken = inbound.ring.read((tag, body) => this.accept(peer, inbound, tag, body), DRAIN_BATCH);
      if (taken === DRAIN_BATCH) more = true;
    }
    return more;
  }

  /** Takes one record off a ring; false leaves it there (and blocks the ring) until room or payload arrives. */
  private accept(peer: number, inbound: Inbound, tag: number, body: Uint8Array): boolean {
    const record = decodeEnvelopeRecord(tag, body);
    const { envelope } = record;
    let payload: Uint8Array | undefined;
    if (record.oversize) {
      const posted = inbound.oversize.get(envelope.oversizeSeq!);
      if (posted === undefined) {
        inbound.blockedOn = 'payload';
        return false;
      }
      payload = posted.payload;
      if (envelope.bodyOnPort === true) envelope.body = decodeBody(posted.body!);
    }
    if (record.kind === MessageKind.reply || record.kind === MessageKind.failure) {
      if (record.inlinePayload !== undefined) payload = copyOut(record.inlinePayload);
      const result = record.kind === MessageKind.reply ? message(envelope.body, payload, envelope.from) : undefined;
      const error = record.kind === MessageKind.failure ? new ActorFailedError(envelope.from ?? 'unknown', String(envelope.body)) : undefined;
      this.settleAsk(envelope.askId!, result as ActorMessage<never> | undefined, error);
      if (record.oversize) inbound.oversize.delete(envelope.oversizeSeq!);
      return true;
    }
    const to = envelope.to!;
    const cell = this.cells.get(to);
    const isAsk = record.kind === MessageKind.ask;
    // An idle actor that only borrows payloads handles the message right here, on a view of the ring slot.
    const borrow =
      record.inlinePayload !== undefined && cell !== undefined && cell.canRunBorrowed && !this.parked.has(cell) && !this.localWaiters.some((w) => w.cell === cell);
    if (record.inlinePayload !== undefined) payload = borrow ? record.inlinePayload : copyOut(record.inlinePayload);
    if (cell === undefined) {
      if (isAsk) this.replyFailure(envelope, `no actor named ${to} on thread ${this.threadIndex}`);
      else this.options.log(`message from ${envelope.from ?? `thread ${peer}`} to unknown actor ${to} not delivered`);
      if (record.oversize) inbound.oversize.delete(envelope.oversizeSeq!);
      return true;
    }
    const delivery: Delivery = {
      message: message(envelope.body, payload, envelope.from),
      sizeBytes: sizeOf(payload),
      respond: isAsk ? (result) => this.replyResult(envelope, to, result) : undefined,
      reject: isAsk ? (error) => this.replyFailure(envelope, error.message) : undefined,
    };
    if (borrow) {
      this.track(cell.run(delivery, this.contextOf(to)));
      return true;
    }
    if (record.oversize) inbound.oversize.delete(envelope.oversizeSeq!);
    // Behind earlier parked ones, or into a full mailbox: parked, so the ring goes on for the other actors.
    const parked = this.parked.get(cell);
    if (parked !== undefined) parked.push(delivery);
    else if (!cell.enqueue(delivery)) {
      this.parked.set(cell, [delivery]);
      this.congestion.raise(CongestionTable.slotOf(cell.name));
    }
    return true;
  }

  private replyResult(ask: Envelope, from: Address, result: unknown): void {
    const withPayload = isReplyWithPayload(result);
    const envelope: Envelope = { askId: ask.askId, from, body: withPayload ? result.body : result };
    this.sendReply(ask.replyThread!, MessageKind.reply, envelope, withPayload ? result.payload : undefined, withPayload && result.transfer);
  }

  private replyFailure(ask: Envelope, reason: string): void {
    this.sendReply(ask.replyThread!, MessageKind.failure, { askId: ask.askId, from: ask.to, body: reason }, undefined);
  }

  private sendReply(thread: number, kind: MessageKind, envelope: Envelope, payload: Uint8Array | undefined, transfer = false): void {
    const outbound = this.outbound.get(thread);
    if (outbound === undefined) return; // the asker's thread is gone; nobody waits any more
    this.sendRemote(outbound, kind, envelope, payload, transfer).catch((error: unknown) => this.options.log(`reply to thread ${thread} lost: ${String(error)}`));
  }
}

function message(body: unknown, payload: Uint8Array | undefined, from: Address | undefined): ActorMessage {
  const out: { body: unknown; payload?: Uint8Array; from?: Address } = { body };
  if (payload !== undefined) out.payload = payload;
  if (from !== undefined) out.from = from;
  return out;
}

function replyMessage(result: unknown, from: Address): ActorMessage<never> {
  return (isReplyWithPayload(result) ? message(result.body, result.payload, from) : message(result, undefined, from)) as ActorMessage<never>;
}

function sizeOf(payload: Uint8Array | undefined): number {
  return MESSAGE_OVERHEAD_BYTES + (payload?.byteLength ?? 0);
}
