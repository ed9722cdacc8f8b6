import { ErrorCode } from '../../core/protocol/generated/error-codes.js';

/** KIP-227 epochs: 0 opens a session with a full fetch, -1 fetches without one (closing the named session). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
export const INVALID_SESSION_ID = 0;
/** Kafka's max.incremental.fetch.session.cache.slots default. */
export const DEFAULT_MAX_FETCH_SESSIONS = 1000;

/** One partition a fetch asks for: by name (v0-12) or topic id (v13+). */
export interface FetchPartitionKey {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

export interface FetchPartitionRequest extends FetchPartitionKey {
  fetchOffset: bigint;
  partitionMaxBytes: number;
  /** -1 when the client does not check leader epochs. */
  currentLeaderEpoch: number;
  /** A follower's epoch of its last fetched batch (KIP-320; -1 or absent: none). */
  lastFetchedEpoch?: number;
}

/** What a fetch answered for one partition, compared with the session's last answer. */
export interface FetchPartitionOutcome {
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  readonly recordBytes: number;
  /** A follower's answer carries a diverging epoch. */
  readonly diverging?: boolean;
  /** A consumer's answer names a preferred read replica (KIP-392). */
  readonly redirected?: boolean;
}

interface CachedPartition extends FetchPartitionRequest {
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

export class FetchSession {
  /** The epoch the next incremental fetch must carry. */
  epoch = 1;
  lastUsedMs: number;
  readonly partitions = new Map<string, CachedPartition>();

  constructor(readonly id: number, readonly byTopicId: boolean, nowMs: number) {
    this.lastUsedMs = nowMs;
  }

  keyOf(p: FetchPartitionKey): string {
    return `${this.byTopicId ? p.topicId : p.topic}:${p.partition}`;
  }

  /** Adds or updates the partitions a request names, forgets the ones it drops. */
  update(partitions: readonly FetchPartitionRequest[], forgotten: readonly FetchPartitionKey[]): void {
    for (const p of forgotten) this.partitions.delete(this.keyOf(p));
    for (const p of partitions) {
      const key = this.keyOf(p);
      const cached = this.partitions.get(key);
      if (cached === undefined) this.partitions.set(key, { ...p, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
      else {
        cached.fetchOffset = p.fetchOffset;
        cached.partitionMaxBytes = p.partitionMaxBytes;
        cached.currentLeaderEpoch = p.currentLeaderEpoch;
        if (p.lastFetchedEpoch !== undefined) cached.lastFetchedEpoch = p.lastFetchedEpoch;
      }
    }
  }

  /**
   * Records what was answered; returns whether an incremental response must
   * carry the partition (records, an error, or moved offsets).
   */
  observe(p: FetchPartitionKey, outcome: FetchPartitionOutcome): boolean {
    const cached = this.partitions.get(this.keyOf(p));
    if (cached === undefined) return true;
    const changed =
      outcome.recordBytes > 0 ||
      outcome.diverging === true ||
      outcome.redirected === true ||
      outcome.errorCode !== ErrorCode.NONE ||
      cached.highWatermark !== outcome.highWatermark ||
      cached.lastStableOffset !== outcome.lastStableOffset ||
      cached.logStartOffset !== outcome.logStartOffset;
    cached.highWatermark = outcome.highWatermark;
    cached.lastStableOffset = outcome.lastStableOffset;
    cached.logStartOffset = outcome.logStartOffset;
    return changed;
  }
}

export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number }
  /** A full fetch: every requested partition is answered; `session` is the new one, if one was opened. */
  | { readonly kind: 'full'; readonly session: FetchSession | null; readonly partitions: FetchPartitionRequest[] }
  /** An incremental fetch: the session's partitions are read, only changed ones are answered. */
  | { readonly kind: 'incremental'; readonly session: FetchSession; readonly partitions: FetchPartitionRequest[] };

export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  readonly partitions: readonly FetchPartitionRequest[];
  readonly forgotten: readonly FetchPartitionKey[];
  /** Fetch v13+ names topics by id. */
  readonly byTopicId: boolean;
}

/**
 * Kafka's FetchSessionCache (KIP-227) for consumer fetches: sessions keyed by
 * a random id, each expecting the next epoch; the least recently used session
 * is evicted when the cache is full.
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  constructor(
    private readonly random: () => number,
    private readonly maxSessions = DEFAULT_MAX_FETCH_SESSIONS,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  newContext(request: FetchSessionRequest, nowMs: number): FetchContext {
    const { sessionId, sessionEpoch } = request;
    if (sessionEpoch === FINAL_EPOCH) {
      if (sessionId !== INVALID_SESSION_ID) this.sessions.delete(sessionId);
      return { kind: 'full', session: null, partitions: [...request.partitions] };
    }
    if (sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== INVALID_SESSION_ID) this.sessions.delete(sessionId);
      const session = this.open(request.byTopicId, nowMs);
      session?.update(request.partitions, []);
      return { kind: 'full', session, partitions: [...request.partitions] };
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== sessionEpoch || session.byTopicId !== request.byTopicId) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    }
    session.update(request.partitions, request.forgotten);
    session.epoch = session.epoch === 0x7fffffff ? 1 : session.epoch + 1;
    session.lastUsedMs = nowMs;
    // Refreshes its place in the LRU order.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, session);
    return { kind: 'incremental', session, partitions: [...session.partitions.values()] };
  }

  private open(byTopicId: boolean, nowMs: number): FetchSession | null {
    if (this.maxSessions <= 0) return null;
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    let id: number;
    do id = 1 + Math.floor(this.random() * 0x7ffffffe);
    while (this.sessions.has(id));
    const session = new FetchSession(id, byTopicId, nowMs);
    this.sessions.set(id, session);
    return session;
  }
}
