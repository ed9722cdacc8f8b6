// Moving record batches to another thread and back: the SharedArrayBuffer
// ring (core/actors) vs postMessage with a transferred ArrayBuffer vs
// postMessage with a structured-clone copy, in the same run, against
// single-thread Buffer.copy bandwidth. Each case moves a burst of batches
// (pipelined, as a partition leader receives them) and waits for all echoes.
//
// This file is also the echo worker: started on a worker thread it echoes
// what it receives, so the measurement needs no second file.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { reply, type ActorFactory } from '../core/actors/actor.js';
import { Doorbell } from '../core/actors/doorbell.js';
import { Runtime } from '../core/actors/runtime.js';
import { SharedRing } from '../core/actors/shared-ring.js';
import { SpinBudget, spinMicrosFor } from '../core/actors/spin.js';
import { startWorker } from '../core/actors/worker-url.js';
import { benchGroup, type BenchCase } from './harness.js';

interface EchoWorkerData {
  mode: 'ring' | 'port';
  toWorker?: SharedArrayBuffer;
  fromWorker?: SharedArrayBuffer;
  workerBell?: SharedArrayBuffer;
  mainBell?: SharedArrayBuffer;
}

// 4 MiB per direction, the runtime's default: three 1 MiB batches in flight. 8 and 16 MiB
// measured slower here. The 2 MiB ring holds one 1 MiB batch at a time, so every batch
// lands at the front of the ring, still in the writer's cache (see the rewind in shared-ring.ts).
const RING_BYTES = 4 << 20;
const ONE_BATCH_RING_BYTES = 2 << 20;
const ECHO = 1;
/** The worker answers with the first 8 bytes only: measures one way, the reader using the bytes in place. */
const ACK = 2;
const sizes = [
  { label: '16 KiB', bytes: 16 << 10, burst: 64 },
  { label: '256 KiB', bytes: 256 << 10, burst: 16 },
  { label: '1 MiB', bytes: 1 << 20, burst: 8 },
] as const;

if (!isMainThread && (workerData as EchoWorkerData | undefined)?.mode !== undefined) void echo(workerData as EchoWorkerData);

async function echo(data: EchoWorkerData): Promise<void> {
  const port = parentPort!;
  if (data.mode === 'port') {
    port.on('message', (message: { bytes: Uint8Array; transfer: boolean }) => {
      port.postMessage(message, message.transfer ? [message.bytes.buffer as ArrayBuffer] : []);
    });
    return;
  }
  // A pending Atomics.waitAsync does not keep a thread alive; the port listener does, until terminate().
  port.on('message', () => undefined);
  const bell = new Doorbell(data.workerBell);
  const mainBell = new Doorbell(data.mainBell);
  const inbound = new SharedRing({ buffer: data.toWorker!, maxRecords: 1 << 16 });
  const outbound = new SharedRing({ buffer: data.fromWorker!, maxRecords: 1 << 16 });
  const sleepSpin = new SpinBudget(spinMicrosFor(2));
  const roomSpin = new SpinBudget(spinMicrosFor(2));
  for (;;) {
    // Echo straight from the inbound slot into the outbound ring: one copy on this side.
    let blockedBytes = 0;
    const moved = inbound.read((tag, body) => {
      const reply = tag === ACK ? body.subarray(0, 8) : body;
      if (outbound.tryWrite(tag, [reply])) {
        // Per echo: the main thread reads it (and writes the next batch) while this one copies the next.
        mainBell.ring();
        return true;
      }
      blockedBytes = reply.byteLength;
      return false;
    });
    // And after the pass: room freed after the last echo's ring must wake the main thread too.
    if (moved > 0) mainBell.ring();
    else if (blockedBytes > 0) await outbound.waitForRoom(blockedBytes, 100, roomSpin);
    else if (!(await bell.sleep(() => !inbound.isEmpty, sleepSpin))) return;
  }
}

/** The actor-level echo: the whole path (envelope, mailbox, reply) a produce request takes. */
export const benchEcho: ActorFactory = () => ({ receive: ({ body, payload }) => reply(body, payload!) });

const payloads = new Map(sizes.map((s) => [s.bytes, Buffer.alloc(s.bytes, 0x5a)]));
/** Two rings to an echo worker and back, with both threads' doorbells. */
interface RingPair {
  readonly worker: Worker;
  readonly toWorker: SharedRing;
  readonly fromWorker: SharedRing;
  readonly workerBell: Doorbell;
  readonly mainBell: Doorbell;
  // Two threads on their own cores (when the machine has two): they spin before sleeping, as the runtime's threads do then.
  readonly spin: SpinBudget;
}

function startRingEcho(capacityBytes: number): RingPair {
  const toWorker = SharedRing.create({ capacityBytes, maxRecords: 1 << 16 });
  const fromWorker = SharedRing.create({ capacityBytes, maxRecords: 1 << 16 });
  const workerBell = new Doorbell();
  const mainBell = new Doorbell();
  const workerData: EchoWorkerData = {
    mode: 'ring',
    toWorker: toWorker.handle.buffer,
    fromWorker: fromWorker.handle.buffer,
    workerBell: workerBell.buffer,
    mainBell: mainBell.buffer,
  };
  const worker = startWorker(import.meta.url, './actors.bench.js', { workerData });
  return { worker, toWorker, fromWorker, workerBell, mainBell, spin: new SpinBudget(spinMicrosFor(2)) };
}

let rings: RingPair | undefined;
let oneBatchRings: RingPair | undefined;
let portWorker: Worker | undefined;
let runtime: Runtime | undefined;
/** A runtime with the default ring size, as the broker runs it. */
let defaultRuntime: Runtime | undefined;

async function actorRoundTrip(payload: Buffer, burst: number, on = runtime!): Promise<void> {
  const replies: Array<Promise<unknown>> = [];
  for (let i = 0; i < burst; i++) replies.push(on.ask('echo', i, { payload }));
  await Promise.all(replies);
}

/** One ask at a time: the wake-up latency of both threads, which a lone producer waits on. */
async function actorSequential(payload: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await defaultRuntime!.ask('echo', i, { payload });
}

/** Writes `burst` batches into the ring as room frees up and reads the echoes (or acks) in place, with no copy out. */
async function ringRoundTrip(pair: RingPair, payload: Buffer, burst: number, tag = ECHO): Promise<void> {
  const { toWorker, fromWorker, workerBell, mainBell, spin } = pair;
  let sent = 0;
  let received = 0;
  let checksum = 0;
  // The worker rings after every pass that freed room or echoed, so this is all there is to wait for.
  const canGoOn = () => !fromWorker.isEmpty || (sent < burst && toWorker.hasRoomFor(payload.byteLength));
  while (received < burst) {
    while (sent < burst && toWorker.tryWrite(tag, [payload])) sent++;
    workerBell.ring();
    received += fromWorker.read((_tag, body) => ((checksum ^= body[body.byteLength - 1]!), true));
    if (received < burst && !canGoOn()) await mainBell.sleep(canGoOn, spin);
  }
  if (tag === ECHO && checksum !== (burst % 2 === 0 ? 0 : 0x5a)) throw new Error('echoed bytes differ');
}

/** Posts `burst` batches and waits for all echoes; `transfer` moves a fresh ArrayBuffer copy, else clones. */
function portRoundTrip(payload: Buffer, burst: number, transfer: boolean): Promise<void> {
  const worker = portWorker!;
  return new Promise((resolve, reject) => {
    let received = 0;
    const onMessage = (message: { bytes: Uint8Array }) => {
      if (message.bytes.byteLength !== payload.byteLength) reject(new Error('echoed size differs'));
      if (++received === burst) {
        worker.off('message', onMessage);
        resolve();
      }
    };
    worker.on('message', onMessage);
    for (let i = 0; i < burst; i++) {
      // A batch is a slice of a socket buffer: transferring it needs its own ArrayBuffer first.
      const bytes = transfer ? new Uint8Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength)) : payload;
      worker.postMessage({ bytes, transfer }, transfer ? [bytes.buffer as ArrayBuffer] : []);
    }
  });
}

const copyTarget = Buffer.alloc(1 << 20);
const ringSizedTarget = Buffer.alloc(RING_BYTES);
let ringSizedSlot = 0;
const cases: BenchCase[] = [
  { name: 'baseline: Buffer.copy 1 MiB, one thread', bytes: 1 << 20, baseline: true, fn: () => payloads.get(1 << 20)!.copy(copyTarget) },
  {
    name: 'Buffer.copy 1 MiB into a ring-sized buffer, one thread',
    bytes: 1 << 20,
    fn: () => payloads.get(1 << 20)!.copy(ringSizedTarget, (ringSizedSlot = (ringSizedSlot + (1 << 20)) % RING_BYTES)),
  },
];
for (const { label, bytes, burst } of sizes) {
  const payload = payloads.get(bytes)!;
  cases.push(
    { name: `ring ${label} x${burst} there and back`, bytes: bytes * burst, async: true, fn: () => ringRoundTrip(rings!, payload, burst) },
    { name: `postMessage transfer ${label} x${burst} there and back`, bytes: bytes * burst, async: true, fn: () => portRoundTrip(payload, burst, true) },
    { name: `postMessage copy ${label} x${burst} there and back`, bytes: bytes * burst, async: true, fn: () => portRoundTrip(payload, burst, false) },
    { name: `ring ${label} x${burst} one way (8-byte acks back)`, bytes: bytes * burst, async: true, fn: () => ringRoundTrip(rings!, payload, burst, ACK) },
  );
  if (bytes === 1 << 20) {
    cases.push(
      { name: `ring ${label} x${burst} there and back, 2 MiB rings`, bytes: bytes * burst, async: true, fn: () => ringRoundTrip(oneBatchRings!, payload, burst) },
      { name: `ring ${label} x${burst} one way, 2 MiB ring`, bytes: bytes * burst, async: true, fn: () => ringRoundTrip(oneBatchRings!, payload, burst, ACK) },
    );
  }
  if (bytes === 16 << 10) {
    cases.push({ name: `Runtime.ask ${label} x${burst} to an io-thread actor and back`, bytes: bytes * burst, async: true, fn: () => actorRoundTrip(payload, burst) });
  }
}
const oneKiB = Buffer.alloc(1024, 0x5a);
cases.push(
  { name: 'Runtime.ask 1 KiB x16 one at a time (default rings)', bytes: 1024 * 16, async: true, fn: () => actorSequential(oneKiB, 16) },
  { name: 'Runtime.ask 16 KiB x64 pipelined (default rings)', bytes: (16 << 10) * 64, async: true, fn: () => actorRoundTrip(payloads.get(16 << 10)!, 64, defaultRuntime) },
  { name: 'Runtime.ask 1 MiB x8 pipelined (default rings)', bytes: (1 << 20) * 8, async: true, fn: () => actorRoundTrip(payloads.get(1 << 20)!, 8, defaultRuntime) },
);

export default benchGroup('core/actors batch passing between threads', cases, {
  setup: async () => {
    rings = startRingEcho(RING_BYTES);
    oneBatchRings = startRingEcho(ONE_BATCH_RING_BYTES);
    portWorker = startWorker(import.meta.url, './actors.bench.js', { workerData: { mode: 'port' } satisfies EchoWorkerData });
    // Warm up: touch every ring page once (fresh memory is slow on these VMs) and wait for the workers.
    for (const { bytes, burst } of sizes) {
      await ringRoundTrip(rings, payloads.get(bytes)!, burst * 4);
      await ringRoundTrip(oneBatchRings, payloads.get(bytes)!, burst * 4);
    }
    await portRoundTrip(payloads.get(16 << 10)!, 8, true);
    runtime = await Runtime.start({ threads: { io: 1 }, ringCapacityBytes: RING_BYTES });
    await runtime.spawn({ name: 'echo', role: 'io', module: import.meta.url, exportName: 'benchEcho' });
    await actorRoundTrip(payloads.get(16 << 10)!, 256);
    defaultRuntime = await Runtime.start({ threads: { io: 1 } });
    await defaultRuntime.spawn({ name: 'echo', role: 'io', module: import.meta.url, exportName: 'benchEcho' });
    await actorRoundTrip(payloads.get(1 << 20)!, 16, defaultRuntime);
  },
  teardown: async () => {
    for (const pair of [rings, oneBatchRings]) pair?.workerBell.stop();
    await Promise.all([rings?.worker.terminate(), oneBatchRings?.worker.terminate(), portWorker?.terminate(), runtime?.shutdown(), defaultRuntime?.shutdown()]);
  },
});
