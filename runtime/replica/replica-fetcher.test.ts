import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultFetchResponse, defaultFetchResponsePartitionData, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from '../../core/protocol/generated/messages/fetch.js';
import { ReplicaFetcher, type FetcherPartition, type ReplicaFetcherIo } from './replica-fetcher.js';
import { fetcherIndex } from './replica-fetcher-manager.js';
import type { FollowerReply } from './replication-messages.js';
import type { Scheduler } from './scheduler.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const p0: FetcherPartition = { topic: 'orders', topicId: TOPIC_ID, partition: 0, leaderEpoch: 4 };
const p1: FetcherPartition = { topic: 'orders', topicId: TOPIC_ID, partition: 1, leaderEpoch: 4 };

/** A clock that moves only when the test says so. */
class ManualScheduler implements Scheduler {
  now = 0;
  private timers: { at: number; task: () => void; live: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  after(delayMs: number, task: () => void): () => void {
    const timer = { at: this.now + delayMs, task, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.now);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const t of due) t.task();
  }
}

/** The follower actors and the leader's connection, scripted: each Fetch waits for the test's answer. */
class FakeWorld implements ReplicaFetcherIo {
  readonly requests: FetchRequest[] = [];
  readonly calls: string[] = [];
  private answer: ((response: FetchResponse | Error) => void) | null = null;
  readonly ends = new Map<number, { offset: number; epoch: number }>([
    [0, { offset: 10, epoch: 3 }],
    [1, { offset: 20, epoch: 4 }],
  ]);

  fetch(request: FetchRequest): Promise<FetchResponse> {
    this.requests.push(request);
    return new Promise((resolve, reject) => (this.answer = (r) => (r instanceof Error ? reject(r) : resolve(r))));
  }
  respond(response: FetchResponse | Error): void {
    const answer = this.answer!;
    this.answer = null;
    answer(response);
  }
  private reply(p: FetcherPartition): Promise<FollowerReply> {
    const end = this.ends.get(p.partition)!;
    return Promise.resolve({ state: {} as FollowerReply['state'], errorCode: 0, errorMessage: null, position: { fetchOffset: end.offset, lastFetchedEpoch: end.epoch }, recordCount: 0 });
  }
  position(p: FetcherPartition) {
    this.calls.push(`position ${p.partition}`);
    return this.reply(p);
  }
  append(p: FetcherPartition, records: Buffer | null, hw: bigint) {
    this.calls.push(`append ${p.partition} ${records?.length ?? 0} bytes hw=${hw}`);
    if (records !== null) this.ends.set(p.partition, { offset: this.ends.get(p.partition)!.offset + 2, epoch: 4 });
    return this.reply(p);
  }
  truncateToEpoch(p: FetcherPartition, epoch: number, endOffset: bigint) {
    this.calls.push(`truncate ${p.partition} to ${endOffset}@${epoch}`);
    this.ends.set(p.partition, { offset: Number(endOffset), epoch });
    return this.reply(p);
  }
  truncateFullyAndStartAt(p: FetcherPartition, offset: bigint) {
    this.calls.push(`start ${p.partition} at ${offset}`);
    this.ends.set(p.partition, { offset: Number(offset), epoch: -1 });
    return this.reply(p);
  }
}

function response(sessionId: number, partitions: Partial<FetchResponsePartitionData>[], errorCode = 0): FetchResponse {
  return {
    ...defaultFetchResponse(),
    errorCode,
    sessionId,
    responses: [{ topic: '', topicId: TOPIC_ID, partitions: partitions.map((p) => ({ ...defaultFetchResponsePartitionData(), ...p })) }],
  };
}

/** What a request asks, per partition: `partition@fetchOffset/lastFetchedEpoch`. */
const asked = (r: FetchRequest) => r.topics.flatMap((t) => t.partitions.map((p) => `${p.partition}@${p.fetchOffset}/${p.lastFetchedEpoch}`));

function start() {
  const world = new FakeWorld();
  const clock = new ManualScheduler();
  const config = { replicaId: 2, brokerEpoch: () => 7n, partitionMaxBytes: 1000, responseMaxBytes: 5000, minBytes: 1, maxWaitMs: 500, backoffMs: 1000 };
  const fetcher = new ReplicaFetcher(1, config, world, clock);
  fetcher.assign([p0, p1]);
  const nextRequest = async (n: number): Promise<FetchRequest> => {
    await vi.waitFor(() => expect(world.requests.length).toBe(n));
    return world.requests[n - 1]!;
  };
  return { world, clock, fetcher, nextRequest };
}

describe('ReplicaFetcher', () => {
  it('opens a session with a full fetch from each follower position, then names only the partitions that moved', async () => {
    const { world, fetcher, nextRequest } = start();
    const first = await nextRequest(1);
    expect(world.calls).toEqual(['position 0', 'position 1']);
    expect(asked(first)).toEqual(['0@10/3', '1@20/4']);
    expect(first).toMatchObject({ replicaState: { replicaId: 2, replicaEpoch: 7n }, sessionId: 0, sessionEpoch: 0, maxWaitMs: 500, minBytes: 1, maxBytes: 5000 });
    expect(first.topics[0]!.partitions.map((p) => [p.currentLeaderEpoch, p.partitionMaxBytes])).toEqual([[4, 1000], [4, 1000]]);
    world.respond(response(77, [{ partitionIndex: 0, highWatermark: 12n, records: Buffer.alloc(30) }, { partitionIndex: 1, highWatermark: 20n }]));
    const second = await nextRequest(2);
    expect(world.calls.slice(2)).toEqual(['append 0 30 bytes hw=12', 'append 1 0 bytes hw=20']);
    expect([second.sessionId, second.sessionEpoch]).toEqual([77, 1]);
    expect(asked(second)).toEqual(['0@12/4']);
    world.respond(response(77, []));
    expect(asked(await nextRequest(3))).toEqual([]);
    world.respond(new Error('connection closed'));
    await fetcher.stop();
  });

  it('truncates at a diverging epoch, starts over at the leader log start when it is behind it, and fetches from there', async () => {
    const { world, fetcher, nextRequest } = start();
    await nextRequest(1);
    world.respond(
      response(5, [
        { partitionIndex: 0, divergingEpoch: { epoch: 3, endOffset: 8n } },
        { partitionIndex: 1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 50n, highWatermark: 60n },
      ]),
    );
    const next = await nextRequest(2);
    expect(world.calls.slice(2)).toEqual(['truncate 0 to 8@3', 'start 1 at 50']);
    expect(asked(next)).toEqual(['0@8/3', '1@50/-1']);
    world.respond(new Error('connection closed'));
    await fetcher.stop();
  });

  it('reports a partition lag once it appended an answer: the leader high watermark minus its log end, never below 0', async () => {
    const { world, fetcher, nextRequest } = start();
    await nextRequest(1);
    expect([...fetcher.lags()]).toEqual([]);
    // Partition 0 is at 10 and gets 2 records of a leader whose high watermark is 15; partition 1 (at 20) is ahead of a stale 18.
    world.respond(response(5, [{ partitionIndex: 0, highWatermark: 15n, records: Buffer.alloc(30) }, { partitionIndex: 1, highWatermark: 18n }]));
    await nextRequest(2);
    expect([...fetcher.lags()]).toEqual([
      { topic: 'orders', partition: 0, lagRecords: 3 },
      { topic: 'orders', partition: 1, lagRecords: 0 },
    ]);
    fetcher.assign([p1]);
    expect([...fetcher.lags()]).toEqual([{ topic: 'orders', partition: 1, lagRecords: 0 }]);
    world.respond(new Error('connection closed'));
    await fetcher.stop();
  });

  it('backs a partition off for replica.fetch.backoff.ms after a leadership error, and all of them after a failed request (then fetches in full)', async () => {
    const { world, clock, fetcher, nextRequest } = start();
    await nextRequest(1);
    world.respond(response(5, [{ partitionIndex: 0, errorCode: ErrorCode.FENCED_LEADER_EPOCH }, { partitionIndex: 1, highWatermark: 20n }]));
    // Partition 0 waits; the session forgets it while partition 1 goes on.
    const second = await nextRequest(2);
    expect(asked(second)).toEqual([]);
    expect(second.forgottenTopicsData).toEqual([{ topic: '', topicId: TOPIC_ID, partitions: [0] }]);
    world.respond(new Error('connection closed'));
    await vi.waitFor(() => expect(world.requests.length).toBe(2));
    clock.advance(1000);
    // After the back-off both are due; the failed request closed the session, so this fetch is full and partition 0's position is asked again.
    const third = await nextRequest(3);
    expect([third.sessionId, third.sessionEpoch]).toEqual([0, 0]);
    expect(asked(third)).toEqual(['0@10/3', '1@20/4']);
    expect(world.calls.filter((c) => c === 'position 0')).toHaveLength(2);
    world.respond(new Error('connection closed'));
    await fetcher.stop();
  });
});

describe('fetcherIndex', () => {
  it('spreads partitions as Kafka does: abs(31 * topic.hashCode() + partition) % num.replica.fetchers', () => {
    // Java: "orders".hashCode() = -1008770331; 31 * that + p overflows to a negative int whose absolute value is taken.
    expect([0, 1, 2, 3, 4, 5].map((p) => fetcherIndex('orders', p, 3))).toEqual([2, 1, 0, 2, 1, 0]);
    expect([0, 1, 2, 3, 4, 5].map((p) => fetcherIndex('orders', p, 4))).toEqual([1, 0, 3, 2, 1, 0]);
    expect(fetcherIndex('orders', 5, 1)).toBe(0);
  });
});
