import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { INITIAL_EPOCH, INVALID_SESSION_ID } from './fetch-session.js';

/** What a follower asks of one partition. */
export interface SessionPartition {
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly lastFetchedEpoch: number;
  readonly currentLeaderEpoch: number;
  readonly maxBytes: number;
}

export interface SessionFetch {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** The partitions to put in the request (all of them in a full fetch, the changed ones in an incremental one). */
  readonly partitions: readonly SessionPartition[];
  /** Partitions the session holds that this fetch drops. */
  readonly forgotten: readonly { readonly topicId: string; readonly partition: number }[];
}

const keyOf = (p: { topicId: string; partition: number }): string => `${p.topicId}:${p.partition}`;

/**
 * The follower side of KIP-227 (Kafka's FetchSessionHandler): the first
 * fetch is full and opens a session; later ones are incremental, naming only
 * the partitions whose fetch offset, epoch or limit changed and the ones to
 * forget. Any session error, or a failed request, starts over with a full fetch.
 */
export class FetchSessionHandler {
  private sessionId = INVALID_SESSION_ID;
  private epoch = INITIAL_EPOCH;
  /** The partitions as the leader's session holds them. */
  private sessionPartitions = new Map<string, SessionPartition>();
  private pending: Map<string, SessionPartition> | null = null;

  build(partitions: readonly SessionPartition[]): SessionFetch {
    const next = new Map(partitions.map((p) => [keyOf(p), p]));
    this.pending = next;
    if (this.sessionId === INVALID_SESSION_ID) return { sessionId: INVALID_SESSION_ID, sessionEpoch: INITIAL_EPOCH, partitions, forgotten: [] };
    const changed = partitions.filter((p) => {
      const held = this.sessionPartitions.get(keyOf(p));
      return held === undefined || held.fetchOffset !== p.fetchOffset || held.lastFetchedEpoch !== p.lastFetchedEpoch || held.currentLeaderEpoch !== p.currentLeaderEpoch || held.maxBytes !== p.maxBytes;
    });
    const forgotten = [...this.sessionPartitions.values()].filter((p) => !next.has(keyOf(p))).map(({ topicId, partition }) => ({ topicId, partition }));
    return { sessionId: this.sessionId, sessionEpoch: this.epoch, partitions: changed, forgotten };
  }

  /** The leader's answer to the last built fetch. */
  handleResponse(errorCode: number, sessionId: number): void {
    const sent = this.pending;
    this.pending = null;
    if (errorCode !== ErrorCode.NONE || sent === null) {
      this.reset();
      return;
    }
    if (this.sessionId === INVALID_SESSION_ID || this.sessionId !== sessionId) {
      // A full fetch: the leader opened a session (or could not: sessionId 0, and every fetch stays full).
      this.sessionId = sessionId;
      this.epoch = sessionId === INVALID_SESSION_ID ? INITIAL_EPOCH : 1;
    } else {
      this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
    }
    this.sessionPartitions = sent;
  }

  /** After a failed request: the next fetch is full. */
  reset(): void {
    this.sessionId = INVALID_SESSION_ID;
    this.epoch = INITIAL_EPOCH;
    this.sessionPartitions = new Map();
    this.pending = null;
  }
}
