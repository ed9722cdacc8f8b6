import { describe, expect, it } from 'vitest';
import type { ActorFactory } from '../../core/actors/actor.js';
import { DeterministicSystem } from '../../core/actors/deterministic-system.js';
import { MemoryFileSystem } from '../../core/log/memory-file-system.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, type FetchResponsePartitionData } from '../../core/protocol/generated/messages/fetch.js';
import { MetadataRecordType as T } from '../../core/protocol/generated/metadata/index.js';
import { defaultPartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import { buildUncompressedRecordBatch } from '../../core/protocol/records/record-batch-builder.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { loadBrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { FetchManager } from './fetch-manager.js';
import { PartitionActor, type PartitionActorArgs } from './partition-actor.js';
import type { AppendOutcome } from './partition-appends.js';
import type { PartitionActorHost } from './partition-registry.js';
import { ReplicaManager } from './replica-manager.js';
import type { Scheduler } from './scheduler.js';

/*
 * ReplicaManager, FetchManager and their purgatories on core/actors'
 * deterministic scheduler: the partition actors run on one thread on an
 * in-memory disk, time is a VirtualClock, and the seed picks the order in
 * which in-flight messages are delivered. Broker 1 leads `orders-0`
 * (replicas 1 and 2, so acks=all waits for broker 2's fetch) and
 * `events-0` (replica 1 alone).
 */

const ORDERS = 'AAAAAAAAAAAAAAAAAAAAAQ';
const EVENTS = 'AAAAAAAAAAAAAAAAAAAAAg';

function imageOfTwoTopics(): MetadataImage {
  const image = new MetadataImage();
  const partition = (topicId: string, replicas: number[]) => ({ ...defaultPartitionRecord(), partitionId: 0, topicId, replicas, isr: replicas, leader: 1, leaderEpoch: 0, partitionEpoch: 0 });
  image.replay({ type: T.TopicRecord, value: { name: 'orders', topicId: ORDERS } });
  image.replay({ type: T.PartitionRecord, value: partition(ORDERS, [1, 2]) });
  image.replay({ type: T.TopicRecord, value: { name: 'events', topicId: EVENTS } });
  image.replay({ type: T.PartitionRecord, value: partition(EVENTS, [1]) });
  return image;
}

function batchOf(values: string[]): Buffer {
  return buildUncompressedRecordBatch({ records: values.map((v, i) => ({ key: null, value: Buffer.from(v), timestamp: 1_000 + i })) });
}

/** One broker's data path on a seeded deterministic system. */
async function brokerOnSeed(seed: number) {
  const system = new DeterministicSystem({ seed });
  const clock = system.clock;
  const fs = new MemoryFileSystem();
  fs.mkdir('/kafka-logs');
  const image = imageOfTwoTopics();
  const refused = () => Promise.reject(new Error('no controller in this test'));
  const metadata: ClusterMetadata = { nodeId: 1, image: () => image, onChange: () => () => undefined, createTopics: refused, deleteTopics: refused, createPartitions: refused, incrementalAlterConfigs: refused };
  const { config } = loadBrokerConfig({
    'process.roles': 'broker',
    'node.id': '1',
    'controller.quorum.voters': '9@127.0.0.1:9093',
    listeners: 'PLAINTEXT://127.0.0.1:9092',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': '/kafka-logs',
  });
  const factory: ActorFactory = (args, recovery, ctx) => new PartitionActor(args as PartitionActorArgs, recovery, ctx, { fs });
  const runtime: PartitionActorHost = {
    spawn: (spec) => Promise.resolve(system.spawn({ name: spec.name, factory, args: spec.args })),
    stopActor: (name) => system.kill(name),
    ask: (to, body, options) => system.ask(to, body, options),
    depths: () => Promise.resolve([]),
  };
  const scheduler: Scheduler = {
    nowMs: () => clock.nowMs(),
    after(delayMs, task) {
      const id = clock.setTimer(delayMs, task);
      return () => clock.cancel(id);
    },
  };
  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
  /** What happened, with the virtual time: the transcript two runs of one seed must share. */
  const events: string[] = [];
  const note = (line: string) => events.push(`${clock.nowMs()} ${line}`);

  /** Delivers messages (never moving time) until `promise` settles. */
  async function drive<V>(promise: Promise<V>): Promise<V> {
    let settled = false;
    const watched = promise.finally(() => (settled = true));
    for (let turn = 0; turn < 10_000 && !settled; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await system.runUntilIdle();
    }
    if (!settled) throw new Error('the data path did not answer without time passing');
    return watched;
  }

  const replicas = await drive(ReplicaManager.start({ config, metadata, runtime, metrics: new BrokerMetrics({ processMetrics: false }), log: quiet, scheduler, fs }));
  const fetches = new FetchManager(replicas, () => system.random.next());

  /** Starts a produce and records when and how it is answered. */
  function produce(topic: string, values: string[], acks: number, timeoutMs: number): { answer?: AppendOutcome; answeredAtMs?: number } {
    const outcome: { answer?: AppendOutcome; answeredAtMs?: number } = {};
    void replicas.append(topic, 0, batchOf(values), acks, timeoutMs).then((answer) => {
      Object.assign(outcome, { answer, answeredAtMs: clock.nowMs() });
      note(`produce ${topic} [${values.join(',')}] acks=${acks}: error ${answer.errorCode} base ${answer.baseOffset}`);
    });
    return outcome;
  }

  /** Starts a Fetch (a consumer's, or broker `replicaId`'s) and records when and how it is answered. */
  function fetch(topic: string, fetchOffset: bigint, options: { minBytes?: number; maxWaitMs?: number; replicaId?: number }): { answer?: FetchResponsePartitionData; answeredAtMs?: number } {
    const outcome: { answer?: FetchResponsePartitionData; answeredAtMs?: number } = {};
    const request = {
      ...defaultFetchRequest(),
      replicaId: options.replicaId ?? -1,
      minBytes: options.minBytes ?? 1,
      maxWaitMs: options.maxWaitMs ?? 0,
      topics: [{ topic, topicId: ORDERS, partitions: [{ ...defaultFetchRequestFetchPartition(), fetchOffset, partitionMaxBytes: 1 << 20, lastFetchedEpoch: options.replicaId === undefined ? -1 : 0 }] }],
    };
    // Fetch v12: topics by name, the replica id in the request.
    void fetches.fetch(request, 12).then((response) => {
      const answer = response.responses[0]!.partitions[0]!;
      Object.assign(outcome, { answer, answeredAtMs: clock.nowMs() });
      note(`fetch ${topic}@${fetchOffset} by ${options.replicaId ?? 'consumer'}: error ${answer.errorCode} hw ${answer.highWatermark} bytes ${answer.records?.length ?? 0}`);
    });
    return outcome;
  }

  /** Passes time to 1 ms before `atMs` (nothing answered yet), then to `atMs`, when `outcome` must have been answered. */
  async function answeredExactlyAt(outcome: { answer?: unknown; answeredAtMs?: number }, atMs: number): Promise<void> {
    await system.runFor(atMs - 1 - clock.nowMs());
    expect(outcome.answer).toBeUndefined();
    await system.runFor(1);
    expect(outcome.answeredAtMs).toBe(atMs);
  }

  return { system, clock, replicas, fetches, events, drive, produce, fetch, answeredExactlyAt, stop: () => drive(replicas.stop()) };
}

describe('ReplicaManager and FetchManager under the deterministic scheduler', () => {
  it('answers an acks=all produce when a follower fetch moves the high watermark past it, at that virtual time', async () => {
    const b = await brokerOnSeed(7);
    const t0 = b.clock.nowMs();
    const produced = b.produce('orders', ['a', 'b', 'c'], -1, 5_000);
    await b.system.runFor(1_000);
    // Appended on the leader, but broker 2 has not fetched it: the produce waits.
    expect(produced.answer).toBeUndefined();
    expect(b.replicas.producePurgatory.size).toBe(1);
    expect(b.replicas.localReplica('orders', 0)!.state.logEndOffset).toBe(3);
    expect(b.replicas.localReplica('orders', 0)!.state.highWatermark).toBe(0);
    // Broker 2 fetches from offset 3: it holds 0-2, so the high watermark becomes 3.
    const follower = b.fetch('orders', 3n, { replicaId: 2, minBytes: 0 });
    await b.system.runFor(0);
    expect(follower.answer?.highWatermark).toBe(3n);
    expect(produced.answer).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n, recordCount: 3 });
    expect(produced.answeredAtMs).toBe(t0 + 1_000);
    expect(b.replicas.producePurgatory.size).toBe(0);
    await b.stop();
  });

  it('times an acks=all produce out at exactly its timeout when no follower fetches (REQUEST_TIMED_OUT)', async () => {
    const b = await brokerOnSeed(11);
    const t0 = b.clock.nowMs();
    const produced = b.produce('orders', ['x'], -1, 2_000);
    await b.answeredExactlyAt(produced, t0 + 2_000);
    expect(produced.answer?.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    // The record was appended on the leader all the same, as in Kafka.
    expect(b.replicas.localReplica('orders', 0)!.state.logEndOffset).toBe(1);
    await b.stop();
  });

  it('wakes a waiting consumer fetch when an append arrives, with the appended bytes', async () => {
    const b = await brokerOnSeed(23);
    const t0 = b.clock.nowMs();
    const waiting = b.fetch('events', 0n, { minBytes: 1, maxWaitMs: 10_000 });
    await b.system.runFor(500);
    expect(waiting.answer).toBeUndefined();
    expect(b.replicas.fetchPurgatory.size).toBe(1);
    const batch = batchOf(['hello', 'world']);
    const appended = await b.drive(b.replicas.append('events', 0, batch, 1, 1_000));
    expect(appended.errorCode).toBe(ErrorCode.NONE);
    await b.system.runFor(0);
    expect(waiting.answeredAtMs).toBe(t0 + 500);
    expect(waiting.answer).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 2n });
    expect(Buffer.from(waiting.answer!.records!).equals(batch)).toBe(true);
    await b.stop();
  });

  it('answers a waiting consumer fetch with no records at exactly max.wait.ms', async () => {
    const b = await brokerOnSeed(5);
    const t0 = b.clock.nowMs();
    const waiting = b.fetch('events', 0n, { minBytes: 1, maxWaitMs: 500 });
    await b.answeredExactlyAt(waiting, t0 + 500);
    expect(waiting.answer).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 0n });
    expect(waiting.answer!.records?.length ?? 0).toBe(0);
    await b.stop();
  });

  /** Produces and fetches in flight together; the seed orders their deliveries. */
  async function concurrentRun(seed: number) {
    const b = await brokerOnSeed(seed);
    const consumer = b.fetch('events', 0n, { minBytes: 30, maxWaitMs: 3_000 });
    const acksAll = [b.produce('orders', ['o1'], -1, 4_000), b.produce('orders', ['o2', 'o3'], -1, 4_000)];
    const acksOne = [b.produce('events', ['e1'], 1, 1_000), b.produce('events', ['e2'], 1, 1_000), b.produce('events', ['e3'], 1, 1_000)];
    await b.system.runFor(1_000);
    b.fetch('orders', 1n, { replicaId: 2, minBytes: 0 });
    await b.system.runFor(5_000);
    await b.stop();
    return { b, consumer, acksAll, acksOne };
  }

  it('gives the same transcript for the same seed, and keeps every answer right whatever the seed', async () => {
    const first = await concurrentRun(42);
    const again = await concurrentRun(42);
    expect(again.b.events).toEqual(first.b.events);
    expect(again.b.system.trace).toEqual(first.b.system.trace);
    const traces = new Set<string>();
    for (const seed of [1, 2, 3, 42]) {
      const { consumer, acksAll, acksOne, b } = await concurrentRun(seed);
      traces.add(b.system.trace.join('\n'));
      // One connection's produces are not ordered here (each is its own client), but offsets never repeat.
      expect(acksOne.map((p) => p.answer?.errorCode)).toEqual([0, 0, 0]);
      expect(new Set(acksOne.map((p) => p.answer!.baseOffset)).size).toBe(3);
      // Broker 2 fetched from offset 1 at 1 s: a batch ending below 1 (the one-record batch, if the seed
      // appended it first) is committed then; a batch reaching past it times out at 4 s.
      for (const p of acksAll) {
        const lastOffset = p.answer!.baseOffset + BigInt(p.answer!.recordCount) - 1n;
        if (lastOffset < 1n) expect(p).toMatchObject({ answer: { errorCode: ErrorCode.NONE }, answeredAtMs: 1_000 });
        else expect(p).toMatchObject({ answer: { errorCode: ErrorCode.REQUEST_TIMED_OUT }, answeredAtMs: 4_000 });
      }
      expect(new Set(acksAll.map((p) => p.answer!.baseOffset))).toEqual(new Set([0n, acksAll.find((p) => p.answer!.baseOffset > 0n)!.answer!.baseOffset]));
      // The first one-record batch is more than the 30 bytes the consumer waits for: it is answered at once,
      // with every batch appended by the time its read ran (how many is the seed's choice).
      expect(consumer).toMatchObject({ answer: { errorCode: ErrorCode.NONE }, answeredAtMs: 0 });
      const hw = consumer.answer!.highWatermark;
      expect(hw >= 1n && hw <= 3n).toBe(true);
      expect([...batchViews(Buffer.from(consumer.answer!.records!))].map((v) => v.baseOffset)).toEqual([...Array(Number(hw)).keys()].map(BigInt));
    }
    // The seeds interleave the two partitions' deliveries differently (one partition's asks stay in order, as on its ring).
    expect(traces.size).toBeGreaterThan(1);
  });
});
