import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActorFailedError, AskTimeoutError, UnknownActorError } from './actor.js';
import { Runtime } from './runtime.js';
import { patternPayload, type Received } from './testdata/test-actors.js';

const actorsModule = new URL('./testdata/test-actors.ts', import.meta.url);
const runtimes: Runtime[] = [];

async function start(options: Parameters<typeof Runtime.start>[0]): Promise<{ runtime: Runtime; logs: string[] }> {
  const logs: string[] = [];
  const runtime = await Runtime.start({ log: (line) => logs.push(line), ...options });
  runtimes.push(runtime);
  return { runtime, logs };
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.shutdown({ drainTimeoutMs: 2000 })));
});

describe('Runtime', () => {
  it('places partition actors on io threads by topic-partition and lists the placement', async () => {
    const { runtime } = await start({ threads: { io: 2, network: 1 } });
    for (let p = 0; p < 6; p++) {
      await runtime.spawn({ name: `leader-t-${p}`, role: 'io', module: actorsModule, exportName: 'echo', topicPartition: { topic: 't', partition: p } });
    }
    await runtime.spawn({ name: 'acceptor', role: 'network', module: actorsModule, exportName: 'echo' });
    const placement = runtime.placement();
    expect(placement.map((p) => p.actor)).toEqual(['acceptor', ...Array.from({ length: 6 }, (_, p) => `leader-t-${p}`)]);
    const ioThreads = new Set(placement.filter((p) => p.role === 'io').map((p) => p.thread));
    expect(ioThreads.size).toBe(2);
    expect(placement.find((p) => p.actor === 'acceptor')).toMatchObject({ role: 'network' });
    for (const entry of placement) expect(entry.threadId).toBeGreaterThan(0);
    const reply = await runtime.ask('leader-t-3', { hello: 'world' });
    expect(reply.body).toEqual({ hello: 'world' });
  });

  it('carries payloads through the ring and, when bigger than the ring allows, as transferred buffers', async () => {
    const { runtime } = await start({ threads: { io: 1 }, ringCapacityBytes: 4096 });
    await runtime.spawn({ name: 'echo', role: 'io', module: actorsModule, exportName: 'echo' });
    for (const length of [1, 1000, 1900, 3000, 100_000]) {
      const payload = patternPayload('x', length, length);
      const reply = await runtime.ask('echo', { length }, { payload });
      expect(reply.body).toEqual({ length });
      expect(Buffer.from(reply.payload!).equals(Buffer.from(payload))).toBe(true);
    }
  });

  it('carries a body too big for a ring record, in an ask and in its reply, on the port in its place in the order', async () => {
    const { runtime } = await start({ threads: { io: 1 }, ringCapacityBytes: 4096 });
    await runtime.spawn({ name: 'echo', role: 'io', module: actorsModule, exportName: 'echo' });
    await runtime.spawn({ name: 'recorder', role: 'io', module: actorsModule, exportName: 'recorder' });
    // Bodies of a third of the ring, of the whole ring and of 25 rings, between small messages of the same sender.
    for (const [i, padBytes] of [1400, 4096, 100_000].entries()) {
      const body = { op: 'echo', pad: 'x'.repeat(padBytes) };
      expect((await runtime.ask('echo', body, { timeoutMs: 10_000 })).body).toEqual(body);
      await runtime.send('recorder', { sender: 'main', seq: 2 * i, length: 0 });
      await runtime.send('recorder', { sender: 'main', seq: 2 * i + 1, length: 0, pad: 'y'.repeat(padBytes) });
    }
    for (let seq = 6; seq < 200; seq++) await runtime.send('recorder', { sender: 'main', seq, length: 0 });
    // The dump of 200 entries is more than a record of this ring holds; every message arrived once, in order.
    const dump = (await runtime.ask('recorder', { op: 'dump' }, { timeoutMs: 10_000 })).body as Received[];
    expect(dump.map((entry) => entry.seq)).toEqual(Array.from({ length: 200 }, (_, seq) => seq));
  });

  it('lets a full mailbox hold back only its own senders: the other actors of its thread keep answering, and nothing is lost or reordered', async () => {
    const { runtime } = await start({ threads: { io: 1 }, ringCapacityBytes: 64 << 10 });
    await runtime.spawn({ name: 'stalled', role: 'io', module: actorsModule, exportName: 'gate', mailbox: { maxMessages: 2, maxBytes: 1 << 20 } });
    await runtime.spawn({ name: 'healthy', role: 'io', module: actorsModule, exportName: 'gateOpener' });
    const held = runtime.ask('stalled', { op: 'hold' }, { timeoutMs: 20_000 });
    // Far more than its mailbox holds, all in the ring ahead of the asks below.
    const sends = Array.from({ length: 50 }, (_, seq) => runtime.send('stalled', { sender: 'main', seq, length: 0 }));
    // Before, these waited in the ring behind the stalled actor's messages until it moved.
    for (let i = 0; i < 20; i++) expect((await runtime.ask('healthy', { i }, { timeoutMs: 2000 })).body).toEqual({ i });
    // Its own senders are held back: a tell is refused while its messages wait.
    await vi.waitFor(() => expect(runtime.tell('stalled', { sender: 'main', seq: -1, length: 0 })).toBe('full'));
    expect((await runtime.ask('healthy', { op: 'open' })).body).toEqual({ op: 'open' });
    expect((await held).body).toBe('released');
    await Promise.all(sends);
    const dump = (await runtime.ask('stalled', { op: 'dump' }, { timeoutMs: 10_000 })).body as Received[];
    expect(dump.map((entry) => entry.seq)).toEqual(Array.from({ length: 50 }, (_, seq) => seq));
  });

  it('hands a borrowing actor views of the ring slots while it is idle, copies while it is busy, and every message arrives intact and in order', async () => {
    // A small ring (but room for the dump's reply), so that slots are reused several times over while the actor works.
    const { runtime } = await start({ threads: { io: 1 }, ringCapacityBytes: 64 << 10 });
    await runtime.spawn({ name: 'borrower', role: 'io', module: actorsModule, exportName: 'borrowingRecorder', args: { slowEvery: 7 } });
    const lengths = Array.from({ length: 300 }, (_, seq) => 1 + ((seq * 397) % 1500));
    for (const [seq, length] of lengths.entries()) await runtime.send('borrower', { sender: 'main', seq, length }, patternPayload('main', seq, length));
    const received = (await runtime.ask<Received[]>('borrower', { op: 'dump' })).body;
    expect(received).toEqual(lengths.map((_, seq) => ({ sender: 'main', seq, intact: true })));
    const borrowed = (await runtime.ask<number>('borrower', { op: 'borrowed' })).body;
    expect(borrowed).toBeGreaterThan(0);
  });

  it('moves a large reply payload given up for transfer to the asker without a copy, and copies a small one through the ring', async () => {
    const { runtime } = await start({ threads: { io: 1 }, ringCapacityBytes: 1 << 20 });
    await runtime.spawn({ name: 'mover', role: 'io', module: actorsModule, exportName: 'transferringEcho' });
    // Bigger than the ring takes; fits the ring but is worth moving; small.
    for (const [length, moved] of [[600_000, true], [300_000, true], [1000, false]] as const) {
      const payload = patternPayload('x', length, length);
      const answer = await runtime.ask('mover', { length }, { payload });
      expect(Buffer.from(answer.payload!).equals(Buffer.from(payload))).toBe(true);
      expect((await runtime.ask('mover', { op: 'detached' })).body).toBe(moved);
    }
  });

  it('fails asks clearly: unknown actor, timeout', async () => {
    const { runtime } = await start({ threads: { io: 1 } });
    await runtime.spawn({ name: 'sleeper', role: 'io', module: actorsModule, exportName: 'sleeper' });
    await expect(runtime.ask('nobody', {})).rejects.toBeInstanceOf(UnknownActorError);
    await expect(runtime.ask('sleeper', { ms: 500 }, { timeoutMs: 20 })).rejects.toBeInstanceOf(AskTimeoutError);
  });

  it('keeps each sender\'s order across threads, nothing lost or duplicated, while rings and mailboxes stay full', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ioThreads: fc.integer({ min: 1, max: 3 }),
          senderCount: fc.integer({ min: 1, max: 5 }),
          sinkRole: fc.constantFrom('main' as const, 'io' as const),
          // Tiny rings and mailboxes keep back-pressure on for most of the run.
          ringCapacityBytes: fc.constantFrom(2048, 8192),
          lengths: fc.array(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 900, max: 5000 })), { minLength: 20, maxLength: 120 }),
        }),
        async ({ ioThreads, senderCount, sinkRole, ringCapacityBytes, lengths }) => {
          const { runtime } = await start({ threads: { io: ioThreads }, ringCapacityBytes, ringMaxRecords: 8 });
          await runtime.spawn({ name: 'sink', role: sinkRole, module: actorsModule, exportName: 'recorder', args: { slowEvery: 5 }, mailbox: { maxMessages: 4, maxBytes: 8192 } });
          const senders = Array.from({ length: senderCount }, (_, i) => `sender-${i}`);
          for (const name of senders) await runtime.spawn({ name, role: 'io', module: actorsModule, exportName: 'sender' });
          const sent = await Promise.all(senders.map((name) => runtime.ask(name, { to: 'sink', lengths })));
          expect(sent.map((r) => r.body)).toEqual(senders.map(() => lengths.length));
          // A sender's last send may still sit in a ring when its reply arrives: wait for the count, then check exactly.
          await expect.poll(async () => (await runtime.ask<number>('sink', { op: 'count' })).body, { timeout: 10_000 }).toBeGreaterThanOrEqual(lengths.length * senderCount);
          const received = (await runtime.ask<Received[]>('sink', { op: 'dump' })).body;
          expect(received).toHaveLength(lengths.length * senderCount);
          expect(received.filter((r) => !r.intact)).toEqual([]);
          for (const name of senders) {
            expect(received.filter((r) => r.sender === name).map((r) => r.seq)).toEqual(lengths.map((_, i) => i));
          }
          await runtime.shutdown();
        },
      ),
      { numRuns: 4, seed: 20261125 },
    );
  });

  it('keeps a thread running when a stopped actor\'s scheduled message comes due', async () => {
    const { runtime, logs } = await start({ threads: { io: 1 } });
    await runtime.spawn({ name: 'ticker', role: 'io', module: actorsModule, exportName: 'ticker' });
    await runtime.spawn({ name: 'echo', role: 'io', module: actorsModule, exportName: 'echo' });
    await runtime.ask('ticker', { op: 'arm', delayMs: 50 });
    await runtime.stopActor('ticker');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await runtime.ask('echo', 'still here')).body).toBe('still here');
    expect(logs.filter((line) => /crash|died/i.test(line))).toEqual([]);
  });

  it('restarts a throwing actor with its recovered state while the others keep running', async () => {
    const { runtime, logs } = await start({ threads: { io: 2 } });
    await runtime.spawn({ name: 'counter', role: 'io', module: actorsModule, exportName: 'counter' });
    await runtime.spawn({ name: 'echo', role: 'io', module: actorsModule, exportName: 'echo' });
    await runtime.ask('counter', { op: 'add' });
    await runtime.ask('counter', { op: 'add' });
    await expect(runtime.ask('counter', { op: 'throw' })).rejects.toBeInstanceOf(ActorFailedError);
    expect((await runtime.ask('counter', { op: 'add' })).body).toEqual({ count: 3, restarts: 1 });
    expect((await runtime.ask('echo', 'still here')).body).toBe('still here');
    expect(logs.some((line) => line.includes('actor counter failed') && line.includes('asked to fail'))).toBe(true);
  });

  it('reports an actor whose restart budget is spent, and fails asks to it instead of hanging', async () => {
    const stopped: string[] = [];
    const { runtime } = await start({ threads: { io: 1 }, onActorStopped: (name) => stopped.push(name) });
    await runtime.spawn({ name: 'fragile', role: 'io', module: actorsModule, exportName: 'counter', restart: { maxRestarts: 1, withinMs: 60_000 } });
    await expect(runtime.ask('fragile', { op: 'throw' })).rejects.toBeInstanceOf(ActorFailedError);
    await expect(runtime.ask('fragile', { op: 'throw' })).rejects.toBeInstanceOf(ActorFailedError);
    await expect.poll(() => stopped).toEqual(['fragile']);
    await expect.poll(() => runtime.placement().map((p) => p.actor)).toEqual([]);
    await expect(runtime.ask('fragile', { op: 'add' })).rejects.toThrow();
  });

  it('detects a killed worker thread and brings its actors back on a new thread', async () => {
    const { runtime, logs } = await start({ threads: { io: 2 } });
    for (let p = 0; p < 4; p++) {
      await runtime.spawn({ name: `p${p}`, role: 'io', module: actorsModule, exportName: 'counter', topicPartition: { topic: 'x', partition: p } });
    }
    const before = runtime.placement();
    const victim = before[0]!.thread;
    const pending = runtime.ask('p0', { op: 'add' }, { timeoutMs: 10_000 }).catch((error: unknown) => error);
    await runtime.killThread(victim);
    const after = runtime.placement();
    const moved = before.filter((p) => p.thread === victim).map((p) => p.actor);
    for (const entry of after) {
      if (moved.includes(entry.actor)) expect(entry.thread).not.toBe(victim);
      else expect(entry.thread).toBe(before.find((p) => p.actor === entry.actor)!.thread);
    }
    const outcome = await pending;
    expect(outcome instanceof ActorFailedError || (outcome as { body?: unknown }).body !== undefined).toBe(true);
    for (const name of ['p0', 'p1', 'p2', 'p3']) expect((await runtime.ask(name, { op: 'get' })).body).toMatchObject({ restarts: 0 });
    expect(logs.some((line) => line.includes(`thread ${victim} (io) exited`))).toBe(true);
  });

  it('notices a worker thread that exits by itself and fails the asks waiting on it', async () => {
    const { runtime, logs } = await start({ threads: { io: 1 } });
    await runtime.spawn({ name: 'killer', role: 'io', module: actorsModule, exportName: 'threadKiller' });
    await runtime.spawn({ name: 'counter', role: 'io', module: actorsModule, exportName: 'counter' });
    const [before] = runtime.placement();
    await expect(runtime.ask('killer', { op: 'exit' }, { timeoutMs: 10_000 })).rejects.toBeInstanceOf(ActorFailedError);
    await runtime.whenRecovered();
    const after = runtime.placement();
    expect(after.map((p) => p.thread)).toEqual([after[0]!.thread, after[0]!.thread]);
    expect(after[0]!.thread).not.toBe(before!.thread);
    expect((await runtime.ask('counter', { op: 'add' })).body).toEqual({ count: 1, restarts: 0 });
    expect((await runtime.ask('killer', { op: 'ping' })).body).toBe('alive');
    expect(logs.some((line) => line.includes('exited with code 7'))).toBe(true);
  });

  it('drains every mailbox on shutdown and stops all threads', async () => {
    const { runtime } = await start({ threads: { io: 2 }, ringCapacityBytes: 4096 });
    const delivered: string[] = [];
    await runtime.spawn({
      name: 'sink',
      role: 'main',
      factory: () => ({
        receive: ({ body }) => {
          const { sender, seq } = body as { sender: string; seq: number };
          delivered.push(`${sender}:${seq}`);
          // Slow consumer: the backlog is still large when shutdown starts.
          return new Promise((resolve) => setImmediate(resolve));
        },
      }),
      mailbox: { maxMessages: 8, maxBytes: 1 << 20 },
    });
    await runtime.spawn({ name: 'a', role: 'io', module: actorsModule, exportName: 'sender' });
    await runtime.spawn({ name: 'b', role: 'io', module: actorsModule, exportName: 'sender' });
    const lengths = Array.from({ length: 100 }, (_, i) => i * 10);
    expect(runtime.tell('a', { to: 'sink', lengths })).toBe('sent');
    expect(runtime.tell('b', { to: 'sink', lengths })).toBe('sent');
    await runtime.shutdown();
    expect(delivered.length).toBe(200);
    for (const sender of ['a', 'b']) expect(delivered.filter((d) => d.startsWith(`${sender}:`))).toEqual(lengths.map((_, i) => `${sender}:${i}`));
    expect(await runtime.depths()).toHaveLength(1); // only the main thread is left
  });
});
