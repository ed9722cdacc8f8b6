import { MessageChannel, type Worker } from 'node:worker_threads';
import type { ActorFactory, ActorMessage, Address, AskOptions, SendResult } from './actor.js';
import { defaultMailboxLimits, type RestartPolicy } from './actor-cell.js';
import { ActorHost, type HostDepths } from './actor-host.js';
import type { ActorWorkerData } from './actor-worker.js';
import { postControl, readControl, type ControlEnvelope, type ControlEvent, type ControlReply, type ControlRequest, type WorkerSpawn, type WorkerStatus } from './control.js';
import { Doorbell } from './doorbell.js';
import { EventLoopDelayMonitor, type EventLoopDelay } from './event-loop-delay.js';
import type { QueueLimits } from './mailbox.js';
import { chooseThread, ThreadRole, type ThreadCounts } from './placement.js';
import { SharedRing } from './shared-ring.js';
import { spinMicrosFor } from './spin.js';
import { systemClock } from './virtual-clock.js';
import { startWorker } from './worker-url.js';

export interface RuntimeOptions {
  /** Worker threads per role (e.g. from `threadCountsFromConfig`). The main thread is always thread 0. */
  readonly threads: Partial<ThreadCounts>;
  /**
   * Data bytes of each ring (one per ordered pair of threads); a power of two.
   * Default 4 MiB: three produced batches of 1 MiB (librdkafka's size) in
   * flight, and batches up to 4 MiB (one at a time) inline, where a
   * borrowing actor reads them in place, instead of as a copied, transferred
   * ArrayBuffer.
   * Rings that carry nothing (between io threads, mostly) are never touched,
   * so they cost address space, not memory.
   */
  readonly ringCapacityBytes?: number;
  /** Most records in flight per ring. Default 4096. */
  readonly ringMaxRecords?: number;
  /** Longest spin of a thread before it sleeps (see SpinBudget); default `spinMicrosFor` all threads, the main one included. */
  readonly spinMicros?: number;
  readonly log?: (line: string) => void;
  /** An actor's supervisor gave up on it (its restart budget is spent). */
  readonly onActorStopped?: (name: Address, error: string) => void;
}

export interface SpawnSpec {
  readonly name: Address;
  readonly role: ThreadRole;
  /** Module exporting the actor factory (imported on the hosting thread). */
  readonly module?: string | URL;
  /** The factory's export name; default `default`. */
  readonly exportName?: string;
  /** Only for role `main`: the factory itself, no module needed. */
  readonly factory?: ActorFactory;
  /** Msgpack-able arguments handed to the factory (again on every restart). */
  readonly args?: unknown;
  /** Partition actors are spread over their role's threads by topic-partition. */
  readonly topicPartition?: { readonly topic: string; readonly partition: number };
  readonly mailbox?: QueueLimits;
  readonly restart?: RestartPolicy;
}

export interface PlacementEntry {
  readonly actor: Address;
  readonly role: ThreadRole;
  /** Runtime thread index (0 = main thread). */
  readonly thread: number;
  /** node:worker_threads threadId (0 for the main thread). */
  readonly threadId: number;
}

interface ThreadSlot {
  readonly index: number;
  readonly role: ThreadRole;
  readonly doorbell: SharedArrayBuffer;
  readonly worker?: Worker;
  readonly pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  alive: boolean;
}

interface ActorRecord {
  readonly spec: SpawnSpec;
  thread: number;
}

const MAIN_THREAD = 0;
const workerRoles = [ThreadRole.network, ThreadRole.io, ThreadRole.replicaFetcher] as const;

/**
 * The threaded actor runtime: starts worker threads per role, places actors
 * on them, connects every pair of threads with two SharedRings, supervises
 * actors and threads, and drains everything on shutdown.
 */
export class Runtime {
  private readonly threads = new Map<number, ThreadSlot>();
  /** Per role, its thread indices in slot order: a dead thread's slot is taken by its replacement. */
  private readonly slots = new Map<ThreadRole, number[]>();
  private readonly actors = new Map<Address, ActorRecord>();
  private readonly host: ActorHost;
  private readonly log: (line: string) => void;
  private nextThreadIndex = 1;
  private nextRequestId = 1;
  private shuttingDown = false;
  private recovery: Promise<void> = Promise.resolve();

  private readonly spinMicros: number;
  private readonly eventLoopDelay = new EventLoopDelayMonitor(MAIN_THREAD);

  private constructor(private readonly options: RuntimeOptions) {
    this.log = options.log ?? ((line) => console.error(line));
    this.spinMicros = options.spinMicros ?? spinMicrosFor(1 + workerRoles.reduce((sum, role) => sum + (options.threads[role] ?? 0), 0));
    const doorbell = new Doorbell();
    this.threads.set(MAIN_THREAD, { index: MAIN_THREAD, role: ThreadRole.main, doorbell: doorbell.buffer, pending: new Map(), alive: true });
    this.slots.set(ThreadRole.main, [MAIN_THREAD]);
    this.host = new ActorHost({
      threadIndex: MAIN_THREAD,
      doorbell,
      clock: systemClock,
      log: this.log,
      onActorStopped: (name, error) => this.actorStopped(name, error.message),
      // Never spins: the main thread's event loop also serves the sockets, which a spin would hold up.
      spinMicros: 0,
    });
  }

  static async start(options: RuntimeOptions): Promise<Runtime> {
    const runtime = new Runtime(options);
    runtime.host.start();
    for (const role of workerRoles) {
      const count = options.threads[role] ?? 0;
      const slots: number[] = [];
      for (let i = 0; i < count; i++) slots.push(await runtime.startThread(role));
      runtime.slots.set(role, slots);
    }
    return runtime;
  }

  // ---- actors ----

  async spawn(spec: SpawnSpec): Promise<Address> {
    if (this.shuttingDown) throw new Error('runtime is shutting down');
    if (this.actors.has(spec.name)) throw new Error(`actor ${spec.name} already exists`);
    const record: ActorRecord = { spec, thread: this.placeOnThread(spec) };
    this.actors.set(spec.name, record);
    try {
      await this.startActor(record);
    } catch (error) {
      this.actors.delete(spec.name);
      throw error;
    }
    return spec.name;
  }

  async stopActor(name: Address): Promise<void> {
    const record = this.actors.get(name);
    if (record === undefined) return;
    this.actors.delete(name);
    await this.broadcastLocation(name, undefined);
    if (record.thread === MAIN_THREAD) await this.host.stopLocal(name);
    else await this.request(record.thread, { op: 'stopActor', name });
  }

  tell(to: Address, body: unknown, payload?: Uint8Array): SendResult {
    return this.host.tell(undefined, to, body, payload);
  }

  send(to: Address, body: unknown, payload?: Uint8Array): Promise<void> {
    return this.host.send(undefined, to, body, payload);
  }

  ask<Body = unknown>(to: Address, body: unknown, options?: AskOptions): Promise<ActorMessage<Body>> {
    return this.host.ask<Body>(undefined, to, body, options);
  }

  /** Which actor runs on which thread, sorted by actor name. */
  placement(): PlacementEntry[] {
    return [...this.actors.entries()]
      .map(([actor, record]) => {
        const slot = this.threads.get(record.thread)!;
        return { actor, role: slot.role, thread: record.thread, threadId: slot.worker?.threadId ?? 0 };
      })
      .sort((a, b) => (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));
  }

  /** Each live thread's event-loop delay since the previous call, for metrics. */
  async eventLoopDelays(): Promise<EventLoopDelay[]> {
    const remote = await Promise.all(this.liveWorkers().map((slot) => this.request(slot.index, { op: 'eventLoopDelay' }) as Promise<EventLoopDelay>));
    return [this.eventLoopDelay.sample(), ...remote];
  }

  /** Mailbox, ring and waiting-send depths of every live thread, for metrics. */
  async depths(): Promise<HostDepths[]> {
    const statuses = await this.statuses();
    return statuses.map((status) => status.depths);
  }

  // ---- threads ----

  /** Fault injection: terminates a worker thread; resolves once its actors run again elsewhere. */
  async killThread(thread: number): Promise<void> {
    const slot = this.threads.get(thread);
    if (slot?.worker === undefined || !slot.alive) throw new Error(`no live worker thread ${thread}`);
    const exited = new Promise((resolve) => slot.worker!.once('exit', resolve));
    await slot.worker.terminate();
    await exited;
    await this.whenRecovered();
  }

  /** Resolves when every thread death seen so far has been handled. */
  async whenRecovered(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.recovery;
      await current;
    } while (current !== this.recovery);
  }

  /** Waits until no thread has queued or in-flight messages, then stops every actor and thread. */
  async shutdown(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    await this.whenRecovered();
    const deadline = Date.now() + (options.drainTimeoutMs ?? 10_000);
    let idleRounds = 0;
    // Two idle rounds in a row: a message in flight between threads shows up in one of them.
    while (idleRounds < 2) {
      const statuses = await this.statuses();
      idleRounds = statuses.every((status) => status.idle) ? idleRounds + 1 : 0;
      if (Date.now() > deadline) {
        this.log(`shutdown: drain timed out, still queued: ${JSON.stringify(statuses.filter((s) => !s.idle).map((s) => s.depths))}`);
        break;
      }
      if (idleRounds < 2) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const workers = [...this.threads.values()].filter((slot) => slot.alive && slot.worker !== undefined);
    await Promise.allSettled(workers.map((slot) => this.request(slot.index, { op: 'stop' })));
    await this.host.stop();
    this.eventLoopDelay.stop();
    for (const slot of workers) slot.alive = false;
    await Promise.all(workers.map((slot) => slot.worker!.terminate()));
  }

  private placeOnThread(spec: SpawnSpec): number {
    if (spec.role === ThreadRole.main) return MAIN_THREAD;
    if (spec.factory !== undefined) throw new Error(`actor ${spec.name}: a factory function only works on the main thread; give a module`);
    const slots = this.slots.get(spec.role) ?? [];
    if (slots.length === 0) throw new Error(`actor ${spec.name}: no ${spec.role} threads configured`);
    return chooseThread(spec, slots);
  }

  private async startActor(record: ActorRecord): Promise<void> {
    const { spec } = record;
    if (record.thread === MAIN_THREAD) {
      const factory = spec.factory ?? (await importFactory(spec));
      this.host.spawnLocal({ name: spec.name, factory, args: spec.args, mailbox: spec.mailbox, restart: spec.restart });
    } else {
      if (spec.module === undefined) throw new Error(`actor ${spec.name}: module is required off the main thread`);
      const workerSpawn: WorkerSpawn = {
        name: spec.name,
        module: spec.module.toString(),
        exportName: spec.exportName ?? 'default',
        args: spec.args,
        mailbox: spec.mailbox ?? defaultMailboxLimits,
      };
      if (spec.restart !== undefined) workerSpawn.restart = spec.restart;
      await this.request(record.thread, { op: 'spawn', spec: workerSpawn });
    }
    await this.broadcastLocation(spec.name, record.thread);
  }

  private async broadcastLocation(name: Address, thread: number | undefined): Promise<void> {
    this.host.setLocation(name, thread);
    const entries: Array<[string, number | null]> = [[name, thread ?? null]];
    await Promise.all(this.liveWorkers().map((slot) => this.request(slot.index, { op: 'locate', entries })));
  }

  private liveWorkers(): ThreadSlot[] {
    return [...this.threads.values()].filter((slot) => slot.alive && slot.worker !== undefined);
  }

  private async startThread(role: ThreadRole): Promise<number> {
    const index = this.nextThreadIndex++;
    const doorbell = new Doorbell();
    const doorbells: Record<number, SharedArrayBuffer> = {};
    for (const slot of this.threads.values()) if (slot.alive) doorbells[slot.index] = slot.doorbell;
    const workerData: ActorWorkerData = { threadIndex: index, doorbell: doorbell.buffer, doorbells, spinMicros: this.spinMicros };
    const worker = startWorker(import.meta.url, './actor-worker.js', { workerData, name: `freshet-${role}-${index}` });
    const slot: ThreadSlot = { index, role, doorbell: doorbell.buffer, worker, pending: new Map(), alive: true };
    this.threads.set(index, slot);
    worker.on('message', (envelope: ControlEnvelope) => this.onWorkerMessage(slot, envelope));
    worker.on('error', (error) => this.log(`thread ${index} (${role}) crashed: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => this.onWorkerExit(slot, code));
    const peers = [...this.threads.values()].filter((peer) => peer.alive && peer.index !== index);
    await Promise.all(peers.map((peer) => this.connect(peer, slot)));
    return index;
  }

  /** Two rings (one per direction) and a port for oversize payloads between two threads. */
  private async connect(a: ThreadSlot, b: ThreadSlot): Promise<void> {
    const capacityBytes = this.options.ringCapacityBytes ?? 4 << 20;
    const maxRecords = this.options.ringMaxRecords ?? 4096;
    const aToB = SharedRing.create({ capacityBytes, maxRecords });
    const bToA = SharedRing.create({ capacityBytes, maxRecords });
    const { port1, port2 } = new MessageChannel();
    const side = async (self: ThreadSlot, peer: ThreadSlot, out: SharedRing, inbound: SharedRing, port: typeof port1) => {
      if (self.worker === undefined) {
        this.host.connect({ peer: peer.index, outRing: out.handle, inRing: inbound.handle, peerDoorbell: peer.doorbell, port });
        return;
      }
      await this.request(
        self.index,
        { op: 'connect', peer: peer.index, outMaxRecords: maxRecords, inMaxRecords: maxRecords },
        { shared: [out.handle.buffer, inbound.handle.buffer, peer.doorbell], port },
      );
    };
    await Promise.all([side(a, b, aToB, bToA, port1), side(b, a, bToA, aToB, port2)]);
  }

  private request(thread: number, request: ControlRequest, extras: Omit<ControlEnvelope, 'packed'> = {}): Promise<unknown> {
    const slot = this.threads.get(thread);
    if (slot?.worker === undefined || !slot.alive) return Promise.reject(new Error(`thread ${thread} is not running`));
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      postControl(slot.worker!, { ...request, id }, extras);
    });
  }

  private async statuses(): Promise<WorkerStatus[]> {
    const remote = await Promise.all(this.liveWorkers().map((slot) => this.request(slot.index, { op: 'status' }) as Promise<WorkerStatus>));
    return [{ idle: this.host.isIdle, depths: this.host.depths() }, ...remote];
  }

  private onWorkerMessage(slot: ThreadSlot, envelope: ControlEnvelope): void {
    const message = readControl<ControlReply | ControlEvent>(envelope);
    if ('event' in message) {
      if (message.event === 'log') this.log(message.line);
      else this.actorStopped(message.name, message.error);
      return;
    }
    const pending = slot.pending.get(message.id);
    if (pending === undefined) return;
    slot.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(`thread ${slot.index}: ${message.error}`));
  }

  private actorStopped(name: Address, error: string): void {
    this.log(`actor ${name} stopped by its supervisor: ${error}`);
    if (this.actors.delete(name)) {
      this.broadcastLocation(name, undefined).catch((e: unknown) => this.log(`could not unregister ${name}: ${String(e)}`));
    }
    this.options.onActorStopped?.(name, error);
  }

  private onWorkerExit(slot: ThreadSlot, code: number): void {
    if (!slot.alive) return; // an orderly stop
    slot.alive = false;
    for (const pending of slot.pending.values()) pending.reject(new Error(`thread ${slot.index} exited`));
    slot.pending.clear();
    if (this.shuttingDown) return;
    this.log(`thread ${slot.index} (${slot.role}) exited with code ${code}; restarting its actors`);
    this.recovery = this.recovery.then(() => this.replaceThread(slot)).catch((error: unknown) => this.log(`recovery of thread ${slot.index} failed: ${String(error)}`));
  }

  /** Starts a thread in the dead one's slot and brings its actors back there. */
  private async replaceThread(dead: ThreadSlot): Promise<void> {
    this.host.disconnect(dead.index);
    await Promise.all(this.liveWorkers().map((slot) => this.request(slot.index, { op: 'disconnect', peer: dead.index })));
    const replacement = await this.startThread(dead.role);
    const slots = this.slots.get(dead.role)!;
    slots[slots.indexOf(dead.index)] = replacement;
    for (const [name, record] of this.actors) {
      if (record.thread !== dead.index) continue;
      record.thread = this.placeOnThread(record.spec);
      await this.startActor(record);
      this.log(`actor ${name} restarted on thread ${record.thread} after thread ${dead.index} died`);
    }
  }
}

async function importFactory(spec: SpawnSpec): Promise<ActorFactory> {
  if (spec.module === undefined) throw new Error(`actor ${spec.name}: give a module or a factory`);
  const module = (await import(spec.module.toString())) as Record<string, unknown>;
  const factory = module[spec.exportName ?? 'default'];
  if (typeof factory !== 'function') throw new Error(`${spec.module.toString()} has no actor factory ${spec.exportName ?? 'default'}`);
  return factory as ActorFactory;
}
