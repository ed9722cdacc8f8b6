import { describe, expect, it } from 'vitest';
import { ActorFailedError, AskTimeoutError, type ActorFactory } from './actor.js';
import { DeterministicSystem } from './deterministic-system.js';
import { counter, recorder, sender, type Received } from './testdata/test-actors.js';

/** Each node forwards a message to the next two nodes until it has made `maxHops` hops. */
const gossip: ActorFactory = (args) => {
  const { peers, maxHops } = args as { peers: string[]; maxHops: number };
  return {
    receive({ body }, ctx) {
      const { origin, hop } = body as { origin: string; hop: number };
      if (hop >= maxHops) return;
      const at = peers.indexOf(ctx.self);
      for (const step of [1, 2]) ctx.tell(peers[(at + step) % peers.length]!, { origin, hop: hop + 1 });
    },
  };
};

async function gossipTrace(seed: number): Promise<string[]> {
  const system = new DeterministicSystem({ seed });
  const peers = ['n0', 'n1', 'n2', 'n3'];
  for (const name of peers) system.spawn({ name, factory: gossip, args: { peers, maxHops: 3 } });
  for (const name of peers) system.tell(name, { origin: name, hop: 0 });
  await system.runUntilIdle();
  return system.trace;
}

describe('DeterministicSystem', () => {
  it('gives the identical trace for the same seed and a different one for another seed', async () => {
    const first = await gossipTrace(1234);
    expect(first).toHaveLength(4 + 8 + 16 + 32);
    expect(await gossipTrace(1234)).toEqual(first);
    const others = await Promise.all([1, 2, 3].map((seed) => gossipTrace(seed)));
    for (const other of others) {
      expect(other).not.toEqual(first);
      expect([...other].sort()).toEqual([...first].sort()); // the same deliveries, in another order
    }
  });

  it('runs the same actor factories as the threaded runtime, keeping each sender\'s order', async () => {
    const system = new DeterministicSystem({ seed: 99, maxInFlightPerChannel: 3 });
    system.spawn({ name: 'sink', factory: recorder });
    const lengths = Array.from({ length: 40 }, (_, i) => (i * 53) % 200);
    for (const name of ['a', 'b', 'c']) system.spawn({ name, factory: sender });
    const done = ['a', 'b', 'c'].map((name) => system.ask(name, { to: 'sink', lengths }));
    await system.runUntilIdle();
    expect((await Promise.all(done)).map((r) => r.body)).toEqual([40, 40, 40]);
    const dump = system.ask<Received[]>('sink', { op: 'dump' });
    await system.runUntilIdle();
    const received = (await dump).body;
    expect(received.every((r) => r.intact)).toBe(true);
    for (const name of ['a', 'b', 'c']) expect(received.filter((r) => r.sender === name).map((r) => r.seq)).toEqual(lengths.map((_, i) => i));
    // Senders were interleaved, not run one after the other.
    expect(received.slice(0, 40).some((r) => r.sender !== received[0]!.sender)).toBe(true);
  });

  it('lets a handler ask another actor and answer with the result', async () => {
    const system = new DeterministicSystem({ seed: 11 });
    system.spawn({ name: 'doubler', factory: () => ({ receive: ({ body }) => (body as number) * 2 }) });
    system.spawn({
      name: 'front',
      factory: () => ({
        async receive({ body }, ctx) {
          const doubled = await ctx.ask<number>('doubler', body);
          return doubled.body + 1;
        },
      }),
    });
    const answers = [1, 2, 3].map((n) => system.ask<number>('front', n));
    await system.runUntilIdle();
    expect((await Promise.all(answers)).map((a) => a.body)).toEqual([3, 5, 7]);
  });

  it('says "full" instead of queueing past the in-flight limit, and takes more once delivered', async () => {
    const system = new DeterministicSystem({ seed: 2, maxInFlightPerChannel: 2 });
    system.spawn({ name: 'sink', factory: recorder });
    expect(system.tell('sink', { sender: 'x', seq: 0, length: 0 })).toBe('sent');
    expect(system.tell('sink', { sender: 'x', seq: 1, length: 0 })).toBe('sent');
    expect(system.tell('sink', { sender: 'x', seq: 2, length: 0 })).toBe('full');
    expect(system.depths()).toEqual({ '$external -> sink': 2 });
    await system.step();
    expect(system.tell('sink', { sender: 'x', seq: 2, length: 0 })).toBe('sent');
    await system.runUntilIdle();
    const dump = system.ask<Received[]>('sink', { op: 'dump' });
    await system.runUntilIdle();
    expect((await dump).body.map((r) => r.seq)).toEqual([0, 1, 2]);
  });

  it('fires scheduled messages on the virtual clock', async () => {
    const ticks: number[] = [];
    const system = new DeterministicSystem({ seed: 5 });
    system.spawn({
      name: 'ticker',
      factory: () => ({
        receive(_message, ctx) {
          ticks.push(ctx.nowMs());
          ctx.schedule(100, 'tick');
        },
      }),
    });
    system.tell('ticker', 'tick');
    await system.runFor(1000);
    expect(ticks).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(system.clock.nowMs()).toBe(1000);
  });

  it('times out an unanswered ask on the virtual clock', async () => {
    const system = new DeterministicSystem({ seed: 5 });
    system.spawn({ name: 'silent', factory: () => ({ receive: () => new Promise(() => undefined) }) });
    const asked = system.ask('silent', 'hello?', { timeoutMs: 50 });
    const outcome = asked.catch((error: unknown) => error);
    await system.runFor(49);
    await system.runFor(1);
    expect(await outcome).toBeInstanceOf(AskTimeoutError);
  });

  it('restarts a throwing actor from its snapshot, then stops it when the budget is spent', async () => {
    const stopped: string[] = [];
    const system = new DeterministicSystem({ seed: 8, onActorStopped: (name) => stopped.push(name) });
    system.spawn({ name: 'c', factory: counter, restart: { maxRestarts: 1, withinMs: 1000 } });
    const replies = [system.ask('c', { op: 'add' }), system.ask('c', { op: 'add' })];
    await system.runUntilIdle();
    await Promise.all(replies);
    const failure = system.ask('c', { op: 'throw' }).catch((error: unknown) => error);
    await system.runUntilIdle();
    expect(await failure).toBeInstanceOf(ActorFailedError);
    const after = system.ask('c', { op: 'add' });
    await system.runUntilIdle();
    expect((await after).body).toEqual({ count: 3, restarts: 1 });
    const second = system.ask('c', { op: 'throw' }).catch((error: unknown) => error);
    await system.runUntilIdle();
    expect(await second).toBeInstanceOf(ActorFailedError);
    expect(stopped).toEqual(['c']);
  });
});
