/** Actors used by the runtime tests; they run on worker threads and under the deterministic scheduler alike. */
import { reply, type Actor, type ActorFactory } from '../actor.js';

/** The bytes sender `sender` puts in its message `seq`: checkable without keeping a copy. */
export function patternPayload(sender: string, seq: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const base = sender.length * 7 + seq;
  for (let i = 0; i < length; i++) out[i] = (base + i * 13) & 0xff;
  return out;
}

function payloadMatches(sender: string, seq: number, payload: Uint8Array | undefined, length: number): boolean {
  if (length === 0) return payload === undefined || payload.byteLength === 0;
  if (payload === undefined || payload.byteLength !== length) return false;
  const expected = patternPayload(sender, seq, length);
  for (let i = 0; i < length; i++) if (payload[i] !== expected[i]) return false;
  return true;
}

export interface Received {
  sender: string;
  seq: number;
  intact: boolean;
}

/** Records every {sender, seq, length} message in arrival order; `{ op: 'dump' }` returns them. */
export const recorder: ActorFactory = (args) => {
  const { slowEvery = 0 } = (args ?? {}) as { slowEvery?: number };
  const received: Received[] = [];
  return {
    receive({ body, payload }) {
      const message = body as { op?: string; sender: string; seq: number; length: number };
      if (message.op === 'dump') return received;
      if (message.op === 'count') return received.length;
      received.push({ sender: message.sender, seq: message.seq, intact: payloadMatches(message.sender, message.seq, payload, message.length) });
      // Now and then take a macrotask, so that mailboxes and rings fill up behind this actor.
      if (slowEvery > 0 && received.length % slowEvery === 0) return new Promise((resolve) => setImmediate(resolve));
      return undefined;
    },
  };
};

/**
 * The recorder, borrowing payloads (`borrowsPayload`): it checks the bytes
 * before returning, as it must, and counts the messages it got on a view of
 * shared memory (a ring slot) rather than a copy.
 */
export const borrowingRecorder: ActorFactory = (args, recovery, context) => {
  const inner = recorder(args, recovery, context);
  let borrowed = 0;
  return {
    borrowsPayload: true,
    receive(message, ctx) {
      if ((message.body as { op?: string }).op === 'borrowed') return borrowed;
      if (message.payload?.buffer instanceof SharedArrayBuffer) borrowed++;
      return inner.receive(message, ctx);
    },
  };
};

/** On `{ op: 'blast', to, lengths }` sends one message per length to `to`, waiting for room (back-pressure). */
export const sender: ActorFactory = () => ({
  async receive({ body }, ctx) {
    const { to, lengths } = body as { to: string; lengths: number[] };
    for (let seq = 0; seq < lengths.length; seq++) {
      const length = lengths[seq]!;
      await ctx.send(to, { sender: ctx.self, seq, length }, length > 0 ? patternPayload(ctx.self, seq, length) : undefined);
    }
    return lengths.length;
  },
});

/** Replies with what it got, bytes included. */
export const echo: ActorFactory = () => ({
  receive({ body, payload }) {
    return payload === undefined ? body : reply(body, payload);
  },
});

/**
 * Replies with a fresh copy of what it got, given up for transfer; `{ op:
 * 'detached' }` tells whether the last copy's memory left this thread.
 */
export const transferringEcho: ActorFactory = () => {
  let last: Uint8Array | undefined;
  return {
    receive({ body, payload }) {
      if ((body as { op?: string }).op === 'detached') return last !== undefined && last.buffer.byteLength === 0;
      last = new Uint8Array(payload!.byteLength + 16).subarray(16);
      last.set(payload!);
      return reply(body, last, { transfer: true });
    },
  };
};

/** Counts; throws on `{ op: 'throw' }`; its count survives a restart through snapshot(). */
export const counter: ActorFactory = (_args, recovery) => {
  let count = (recovery.snapshot as number | undefined) ?? 0;
  const actor: Actor = {
    receive({ body }) {
      const op = (body as { op: string }).op;
      if (op === 'throw') throw new Error('asked to fail');
      if (op === 'add') count++;
      return { count, restarts: recovery.restarts };
    },
    snapshot: () => count,
  };
  return actor;
};

/** Answers after the given delay; for timeouts. */
export const sleeper: ActorFactory = () => ({
  receive({ body }) {
    return new Promise((resolve) => setTimeout(() => resolve('woke'), (body as { ms: number }).ms));
  },
});

/** Holds its thread's event loop for `{ ms }` with synchronous work, as a long append or a big decode would. */
export const busy: ActorFactory = () => ({
  receive({ body }) {
    const until = performance.now() + (body as { ms: number }).ms;
    while (performance.now() < until);
    return 'done';
  },
});

/** Ends its whole worker thread on `{ op: 'exit' }`, as a native crash would. */
export const threadKiller: ActorFactory = () => ({
  receive({ body }) {
    if ((body as { op: string }).op === 'exit') process.exit(7);
    return 'alive';
  },
});

/** Schedules a message to itself when asked, as partition actors schedule their housekeeping. */
export const ticker: ActorFactory = () => {
  let ticks = 0;
  return {
    receive({ body }, ctx) {
      const message = body as { op: 'arm'; delayMs: number } | { op: 'tick' } | { op: 'ticks' };
      if (message.op === 'arm') ctx.schedule(message.delayMs, { op: 'tick' });
      else if (message.op === 'tick') ticks++;
      return ticks;
    },
  };
};

/** Whether the gate of this thread is open: shared by `gate` and `gateOpener`, which run on the same thread. */
let gateOpen: (() => void) | undefined;
let gateOpened: Promise<void> = new Promise((resolve) => (gateOpen = resolve));

/**
 * A stalled actor, as a partition actor on a slow disk: `{ op: 'hold' }`
 * keeps it busy until `gateOpener` is asked to open; it records the other
 * messages like `recorder`.
 */
export const gate: ActorFactory = (args, recovery, context) => {
  const inner = recorder(args, recovery, context);
  gateOpened = new Promise((resolve) => (gateOpen = resolve));
  return {
    receive(message, ctx) {
      if ((message.body as { op?: string }).op === 'hold') return gateOpened.then(() => 'released');
      return inner.receive(message, ctx);
    },
  };
};

/** Opens the gate of its thread; a healthy actor beside the stalled one. */
export const gateOpener: ActorFactory = () => ({
  receive({ body }) {
    if ((body as { op?: string }).op === 'open') gateOpen?.();
    return body;
  },
});
