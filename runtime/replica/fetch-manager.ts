import { ZERO_UUID } from '../../core/protocol/reader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultFetchResponse,
  defaultFetchResponsePartitionData,
  type FetchRequest,
  type FetchResponse,
  type FetchResponseFetchableTopicResponse,
  type FetchResponsePartitionData,
} from '../../core/protocol/generated/messages/fetch.js';
import { FetchSessionCache, type FetchContext, type FetchPartitionKey, type FetchPartitionRequest } from './fetch-session.js';
import { readForFollower, type FollowerReadOutcome } from './leader-replica-read.js';
import type { ReadOutcome, ReplicaManager } from './replica-manager.js';

/** Fetch v13+ names topics by id; sessions exist from v7; v15+ carries a follower's id in ReplicaState. */
const TOPIC_ID_VERSION = 13;
const SESSION_VERSION = 7;
const REPLICA_STATE_VERSION = 15;
/** Fetch v11+ carries the consumer's rack (KIP-392): followers serve it, and the answer may name a preferred read replica. */
const RACK_ID_VERSION = 11;

interface PartitionResult {
  readonly key: FetchPartitionRequest;
  readonly outcome: ReadOutcome | FollowerReadOutcome;
}

/**
 * Consumer fetches: resolves topics (names or ids), applies the fetch session
 * (KIP-227), reads the partitions within max.bytes / partition max bytes, and
 * parks the request in the fetch purgatory until fetch.min.bytes have arrived
 * or max.wait.ms has passed.
 */
export class FetchManager {
  readonly sessions: FetchSessionCache;

  /** `random` draws session ids (a seeded one in simulations); time is the replica manager's scheduler. */
  constructor(
    private readonly replicas: ReplicaManager,
    random: () => number = Math.random,
  ) {
    this.sessions = new FetchSessionCache(random);
  }

  async fetch(request: FetchRequest, version: number): Promise<FetchResponse> {
    const byTopicId = version >= TOPIC_ID_VERSION;
    const partitions: FetchPartitionRequest[] = [];
    for (const topic of request.topics) {
      const name = byTopicId ? (this.replicas.topicNameOf(topic.topicId) ?? '') : topic.topic;
      for (const p of topic.partitions) {
        partitions.push({
          topic: name,
          topicId: topic.topicId,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          lastFetchedEpoch: p.lastFetchedEpoch,
        });
      }
    }
    const forgotten: FetchPartitionKey[] = request.forgottenTopicsData.flatMap((t) => {
      const name = byTopicId ? (this.replicas.topicNameOf(t.topicId) ?? '') : t.topic;
      return t.partitions.map((partition) => ({ topic: name, topicId: t.topicId, partition }));
    });
    const context: FetchContext =
      version >= SESSION_VERSION
        ? this.sessions.newContext({ sessionId: request.sessionId, sessionEpoch: request.sessionEpoch, partitions, forgotten, byTopicId }, this.replicas.scheduler.nowMs())
        : { kind: 'full', session: null, partitions };
    if (context.kind === 'error') return { ...defaultFetchResponse(), errorCode: context.errorCode, sessionId: 0 };

    const first = await this.readAll(context.partitions, request, version);
    const bytes = first.reduce((sum, r) => sum + (r.outcome.records?.length ?? 0), 0);
    // An error or a preferred read replica is answered at once, as Kafka does.
    const answerNow = first.some((r) => r.outcome.errorCode !== ErrorCode.NONE || r.outcome.preferredReadReplica !== undefined);
    const results =
      request.maxWaitMs <= 0 || bytes >= request.minBytes || answerNow || context.partitions.length === 0
        ? first
        : await this.waitForData(context.partitions, request, bytes, version);
    return this.respond(context, results, byTopicId);
  }

  private waitForData(partitions: FetchPartitionRequest[], request: FetchRequest, bytesSoFar: number, version: number): Promise<PartitionResult[]> {
    const keys = partitions.map((p) => `${p.topic}-${p.partition}`);
    const startBytes = keys.map((key) => this.appendedBytes(key));
    const startFollowerHw = keys.map((key) => this.followerHighWatermark(key));
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        done = true;
        resolve(this.readAll(partitions, request, version));
      };
      this.replicas.fetchPurgatory.tryCompleteElseWatch(
        {
          deadlineMs: this.replicas.scheduler.nowMs() + request.maxWaitMs,
          tryComplete: () => {
            if (done) return true;
            let arrived = bytesSoFar;
            keys.forEach((key, i) => (arrived += this.appendedBytes(key) - startBytes[i]!));
            // A partition that went away (deleted, leader moved) answers at once with its error.
            const gone = keys.some((key, i) => this.appendedBytes(key) < startBytes[i]!);
            // A follower's replica (KIP-392) has more to read once its high watermark moved (or it went away).
            const readable = keys.some((key, i) => startFollowerHw[i] !== null && this.followerHighWatermark(key) !== startFollowerHw[i]);
            if (arrived < request.minBytes && !gone && !readable) return false;
            finish();
            return true;
          },
          onExpiration: finish,
        },
        keys,
      );
      this.replicas.armPurgatoryTimer();
    });
  }

  private appendedBytes(key: string): number {
    const dash = key.lastIndexOf('-');
    const found = this.replicas.lookup(key.slice(0, dash), Number(key.slice(dash + 1)));
    return found.partition?.appendedBytes ?? -1;
  }

  /** The high watermark of this broker's replica when it follows the partition; else null. */
  private followerHighWatermark(key: string): number | null {
    const dash = key.lastIndexOf('-');
    const local = this.replicas.localReplica(key.slice(0, dash), Number(key.slice(dash + 1)));
    return local === undefined || local.leaderId === this.replicas.nodeId ? null : local.state.highWatermark;
  }

  /**
   * Reads every partition. When the partitions' limits fit in max.bytes they
   * are read at once; otherwise in order, each within what is left, and only
   * the first partition with data may exceed its limit by one batch.
   */
  private async readAll(partitions: readonly FetchPartitionRequest[], request: FetchRequest, version: number): Promise<PartitionResult[]> {
    // A follower's fetch (replica id >= 0) reads past the high watermark and reports its position (leader-replica-read.ts).
    const replicaId = version >= REPLICA_STATE_VERSION ? request.replicaState.replicaId : request.replicaId;
    const read = (p: FetchPartitionRequest, maxBytes: number, minOneMessage: boolean): Promise<ReadOutcome | FollowerReadOutcome> =>
      p.topic === ''
        ? Promise.resolve({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null })
        : replicaId >= 0
          ? readForFollower(this.replicas, replicaId, p, maxBytes)
          : this.replicas.read(p.topic, p.partition, p.fetchOffset, maxBytes, request.isolationLevel, minOneMessage, p.currentLeaderEpoch, version >= RACK_ID_VERSION ? request.rackId : null);
    const sumOfLimits = partitions.reduce((sum, p) => sum + p.partitionMaxBytes, 0);
    if (sumOfLimits <= request.maxBytes) {
      const outcomes = await Promise.all(partitions.map((p) => read(p, p.partitionMaxBytes, true)));
      return partitions.map((key, i) => ({ key, outcome: outcomes[i]! }));
    }
    const results: PartitionResult[] = [];
    let left = request.maxBytes;
    let minOneMessage = true;
    for (const p of partitions) {
      const outcome = await read(p, Math.max(0, Math.min(p.partitionMaxBytes, left)), minOneMessage);
      const size = outcome.records?.length ?? 0;
      if (size > 0) minOneMessage = false;
      left -= size;
      results.push({ key: p, outcome });
    }
    return results;
  }

  private respond(context: Exclude<FetchContext, { kind: 'error' }>, results: PartitionResult[], byTopicId: boolean): FetchResponse {
    const topics = new Map<string, FetchResponseFetchableTopicResponse>();
    for (const { key, outcome } of results) {
      const answer = context.session?.observe(key, {
        errorCode: outcome.errorCode,
        highWatermark: outcome.highWatermark,
        lastStableOffset: outcome.lastStableOffset,
        logStartOffset: outcome.logStartOffset,
        recordBytes: outcome.records?.length ?? 0,
        diverging: 'divergingEpoch' in outcome && outcome.divergingEpoch !== null,
        redirected: outcome.preferredReadReplica !== undefined,
      });
      if (context.kind === 'incremental' && answer === false) continue;
      const topicKey = byTopicId ? key.topicId : key.topic;
      let topic = topics.get(topicKey);
      if (topic === undefined) {
        topic = { topic: byTopicId ? '' : key.topic, topicId: byTopicId ? key.topicId : ZERO_UUID, partitions: [] };
        topics.set(topicKey, topic);
      }
      const data: FetchResponsePartitionData = {
        ...defaultFetchResponsePartitionData(),
        partitionIndex: key.partition,
        errorCode: outcome.errorCode,
        highWatermark: outcome.highWatermark,
        lastStableOffset: outcome.lastStableOffset,
        logStartOffset: outcome.logStartOffset,
        records: outcome.records ?? EMPTY,
        // Kafka answers null under read_uncommitted (and where nothing was aborted, v4+ clients take either).
        abortedTransactions: outcome.abortedTransactions === undefined ? null : [...outcome.abortedTransactions],
      };
      if ('divergingEpoch' in outcome && outcome.divergingEpoch !== null) data.divergingEpoch = outcome.divergingEpoch;
      if (outcome.preferredReadReplica !== undefined) data.preferredReadReplica = outcome.preferredReadReplica;
      topic.partitions.push(data);
    }
    return { ...defaultFetchResponse(), sessionId: context.session?.id ?? 0, responses: [...topics.values()] };
  }
}

const EMPTY = Buffer.alloc(0);
