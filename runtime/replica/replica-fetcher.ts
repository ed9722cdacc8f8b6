import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultFetchRequest, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from '../../core/protocol/generated/messages/fetch.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import { FetchSessionHandler, type SessionPartition } from './fetch-session-handler.js';
import type { FetchPosition, FollowerReply } from './replication-messages.js';
import type { Scheduler } from './scheduler.js';

/** A partition this broker follows, fetched from its leader. */
export interface FetcherPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
}

/** The replica.fetch.* settings a fetcher honours (Kafka's names, in the broker config table). */
export interface ReplicaFetcherConfig {
  readonly replicaId: number;
  brokerEpoch(): bigint;
  /** replica.fetch.max.bytes */
  readonly partitionMaxBytes: number;
  /** replica.fetch.response.max.bytes */
  readonly responseMaxBytes: number;
  /** replica.fetch.min.bytes */
  readonly minBytes: number;
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number;
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number;
}

/** What a fetcher needs of the world: the leader's connection and the follower partitions' actors. */
export interface ReplicaFetcherIo {
  fetch(request: FetchRequest): Promise<FetchResponse>;
  /** The follower replica's fetch position (after truncating a log with data but no epochs). */
  position(p: FetcherPartition): Promise<FollowerReply | null>;
  /** Fetched batches, as received, appended to the follower's log (or, without records, the leader's high watermark). */
  append(p: FetcherPartition, records: Buffer | null, leaderHighWatermark: bigint): Promise<FollowerReply | null>;
  truncateToEpoch(p: FetcherPartition, epoch: number, endOffset: bigint): Promise<FollowerReply | null>;
  truncateFullyAndStartAt(p: FetcherPartition, offset: bigint): Promise<FollowerReply | null>;
}

interface PartitionFetch {
  readonly partition: FetcherPartition;
  /** null until the follower's actor said where to fetch from. */
  position: FetchPosition | null;
  /** The leader's high watermark as last passed to the follower. */
  highWatermark: bigint;
  /** Not fetched before this time (after an error: replica.fetch.backoff.ms). */
  delayedUntilMs: number;
  /** Records this replica is behind its leader after the last append, or null until one. */
  lagRecords: number | null;
}

/** A followed partition's lag, as the gauge reports it. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lagRecords: number;
}

/**
 * Kafka's per-partition ConsumerLag of a replica fetcher: the leader's high
 * watermark, as its fetch answer gave it, minus this replica's log end after
 * the append; never negative (a follower holds records above the high
 * watermark the leader reported before they were fetched).
 */
export function replicaLag(leaderHighWatermark: bigint, followerLogEndOffset: number): number {
  return Math.max(0, Number(leaderHighWatermark) - followerLogEndOffset);
}

const keyOf = (p: { topicId: string; partition: number }): string => `${p.topicId}:${p.partition}`;
/** Errors that only a metadata change cures: the partition waits a back-off, its position is asked again. */
const LEADERSHIP_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

/**
 * One replica fetcher (Kafka's ReplicaFetcherThread): a loop that fetches
 * its partitions from one source broker with Fetch v15 (ReplicaState,
 * lastFetchedEpoch, incremental sessions) and hands each partition's answer
 * to that partition's actor, in order: batches to append as received, a
 * diverging epoch to truncate at, a log start to start over from. A
 * partition that fails waits replica.fetch.backoff.ms; a failed request
 * makes every partition wait and the next fetch full.
 */
export class ReplicaFetcher {
  private readonly partitions = new Map<string, PartitionFetch>();
  private readonly session = new FetchSessionHandler();
  private stopped = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    readonly sourceBrokerId: number,
    private readonly config: ReplicaFetcherConfig,
    private readonly io: ReplicaFetcherIo,
    private readonly scheduler: Scheduler,
  ) {}

  get partitionCount(): number {
    return this.partitions.size;
  }

  /** Each partition's lag once it has appended a fetch answer. */
  *lags(): Iterable<PartitionLag> {
    for (const { partition, lagRecords } of this.partitions.values()) if (lagRecords !== null) yield { topic: partition.topic, partition: partition.partition, lagRecords };
  }

  /** The partitions this fetcher serves from now on; a new leader epoch asks the follower for its position again. */
  assign(partitions: readonly FetcherPartition[]): void {
    const wanted = new Map(partitions.map((p) => [keyOf(p), p]));
    for (const key of [...this.partitions.keys()]) if (!wanted.has(key)) this.partitions.delete(key);
    for (const [key, p] of wanted) {
      const current = this.partitions.get(key);
      if (current !== undefined && current.partition.leaderEpoch === p.leaderEpoch) continue;
      this.partitions.set(key, { partition: p, position: null, highWatermark: -1n, delayedUntilMs: 0, lagRecords: null });
    }
    this.wake?.();
    if (this.running === null && !this.stopped) this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = this.scheduler.nowMs();
      const due = [...this.partitions.values()].filter((f) => f.delayedUntilMs <= now);
      if (due.length === 0) {
        const next = Math.min(...[...this.partitions.values()].map((f) => f.delayedUntilMs), now + this.config.backoffMs);
        await this.sleep(Math.max(1, next - now));
        continue;
      }
      await Promise.all(due.filter((f) => f.position === null).map((f) => this.settle(f, () => this.io.position(f.partition))));
      const ready = due.filter((f) => f.position !== null);
      if (ready.length === 0) continue;
      await this.fetchOnce(ready);
    }
  }

  private async fetchOnce(ready: readonly PartitionFetch[]): Promise<void> {
    const asked: SessionPartition[] = ready.map((f) => ({
      topicId: f.partition.topicId,
      partition: f.partition.partition,
      fetchOffset: BigInt(f.position!.fetchOffset),
      lastFetchedEpoch: f.position!.lastFetchedEpoch,
      currentLeaderEpoch: f.partition.leaderEpoch,
      maxBytes: this.config.partitionMaxBytes,
    }));
    const built = this.session.build(asked);
    let response: FetchResponse;
    try {
      response = await this.io.fetch(this.request(built));
    } catch {
      this.session.reset();
      this.delay(ready);
      return;
    }
    this.session.handleResponse(response.errorCode, response.sessionId);
    if (response.errorCode !== ErrorCode.NONE) {
      // A session error is cured by the next (full) fetch; anything else waits.
      const sessionError = response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || response.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH;
      if (!sessionError) this.delay(ready);
      return;
    }
    const work: Promise<void>[] = [];
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const fetch = this.partitions.get(keyOf({ topicId: topic.topicId, partition: data.partitionIndex }));
        if (fetch !== undefined && fetch.position !== null) work.push(this.handle(fetch, data));
      }
    }
    await Promise.all(work);
  }

  private request(built: ReturnType<FetchSessionHandler['build']>): FetchRequest {
    const byTopic = new Map<string, FetchRequest['topics'][number]>();
    for (const p of built.partitions) {
      let topic = byTopic.get(p.topicId);
      if (topic === undefined) byTopic.set(p.topicId, (topic = { topic: '', topicId: p.topicId, partitions: [] }));
      topic.partitions.push({
        partition: p.partition,
        currentLeaderEpoch: p.currentLeaderEpoch,
        fetchOffset: p.fetchOffset,
        lastFetchedEpoch: p.lastFetchedEpoch,
        logStartOffset: -1n,
        partitionMaxBytes: p.maxBytes,
        replicaDirectoryId: ZERO_UUID,
      });
    }
    const forgotten = new Map<string, number[]>();
    for (const f of built.forgotten) forgotten.set(f.topicId, [...(forgotten.get(f.topicId) ?? []), f.partition]);
    return {
      ...defaultFetchRequest(),
      replicaState: { replicaId: this.config.replicaId, replicaEpoch: this.config.brokerEpoch() },
      maxWaitMs: this.config.maxWaitMs,
      minBytes: this.config.minBytes,
      maxBytes: this.config.responseMaxBytes,
      sessionId: built.sessionId,
      sessionEpoch: built.sessionEpoch,
      topics: [...byTopic.values()],
      forgottenTopicsData: [...forgotten].map(([topicId, partitions]) => ({ topic: '', topicId, partitions })),
    };
  }

  /** One partition's answer, applied by its follower actor. */
  private async handle(fetch: PartitionFetch, data: FetchResponsePartitionData): Promise<void> {
    const p = fetch.partition;
    switch (data.errorCode) {
      case ErrorCode.NONE: {
        if (data.divergingEpoch.epoch >= 0 || data.divergingEpoch.endOffset >= 0n) {
          await this.settle(fetch, () => this.io.truncateToEpoch(p, data.divergingEpoch.epoch, data.divergingEpoch.endOffset));
          return;
        }
        const records = data.records !== null && data.records.length > 0 ? data.records : null;
        if (records === null && data.highWatermark === fetch.highWatermark) return;
        fetch.highWatermark = data.highWatermark;
        await this.settle(fetch, () => this.io.append(p, records, data.highWatermark));
        if (fetch.position !== null) fetch.lagRecords = replicaLag(data.highWatermark, fetch.position.fetchOffset);
        return;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE:
        // Behind the leader's log start: start over there. Past its end (an unclean election): cut to its high watermark.
        if (BigInt(fetch.position!.fetchOffset) < data.logStartOffset) await this.settle(fetch, () => this.io.truncateFullyAndStartAt(p, data.logStartOffset));
        else await this.settle(fetch, () => this.io.truncateToEpoch(p, -1, data.highWatermark));
        return;
      default:
        if (LEADERSHIP_ERRORS.has(data.errorCode)) fetch.position = null;
        this.delay([fetch]);
    }
  }

  /** Runs a follower step; its answer is the new position, or an error makes the partition wait. */
  private async settle(fetch: PartitionFetch, step: () => Promise<FollowerReply | null>): Promise<void> {
    let reply: FollowerReply | null;
    try {
      reply = await step();
    } catch {
      reply = null;
    }
    if (reply === null || reply.errorCode !== ErrorCode.NONE) {
      fetch.position = null;
      this.delay([fetch]);
      return;
    }
    fetch.position = reply.position;
  }

  private delay(fetches: readonly PartitionFetch[]): void {
    const until = this.scheduler.nowMs() + this.config.backoffMs;
    for (const f of fetches) f.delayedUntilMs = until;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.scheduler.after(ms, () => {
        this.wake = null;
        resolve();
      });
      this.wake = () => {
        cancel();
        this.wake = null;
        resolve();
      };
    });
  }
}
