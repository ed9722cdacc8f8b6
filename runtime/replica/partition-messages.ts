import { reply, type ReplyWithPayload } from '../../core/actors/actor.js';
import type { LogConfig } from '../../core/log/log-config.js';
import type { LeaderSettings, PartitionLeader, PartitionLeadership } from '../../core/partition/partition-leader.js';
import type { AppendOrigin, RecordError } from '../../core/protocol/records/record-validator.js';
import type { EpochEndOffsetReply, FollowerReply, IsrCheckReply, ReplicaFetchReply, ReplicationRequest } from './replication-messages.js';

/**
 * The partition actor's protocol: every request the replica manager (and
 * replication) asks, and the reply each one gets (`ReplyTo`). Bodies are
 * msgpack, so offsets cross threads as numbers (exact below 2^53) and
 * producer ids as decimal strings; produced batches travel as the ask's
 * payload and read batches as the reply's, never in a body.
 */

/** Where the partition stands; every reply carries it so the main thread's view stays current. */
export interface PartitionState {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** The high watermark held back by the earliest open transaction (read_committed reads stop there). */
  readonly lastStableOffset: number;
  readonly recoveryPoint: number;
  /** The cleaner's first dirty offset (cleaner-offset-checkpoint), or null while the log was never cleaned. */
  readonly cleanerOffset: number | null;
  readonly sizeBytes: number;
  readonly leaderEpoch: number;
  /** Why the partition went offline (its first storage failure), or null while it is healthy. */
  readonly offline: string | null;
  /** Whether this replica leads the partition (else it follows). */
  readonly isLeader: boolean;
  /** The maximal ISR is below min.insync.replicas: an acks=all produce the high watermark passes gets NOT_ENOUGH_REPLICAS_AFTER_APPEND. */
  readonly notEnoughReplicasAfterAppend: boolean;
}

export type DataRequest =
  /** A produced batch, as the payload. */
  | { readonly op: 'append'; readonly acks: number; readonly origin?: AppendOrigin }
  /** WriteTxnMarkers; the producer id travels as a decimal string. */
  | { readonly op: 'marker'; readonly producerId: string; readonly producerEpoch: number; readonly committed: boolean; readonly coordinatorEpoch: number }
  | { readonly op: 'read'; readonly fetchOffset: number; readonly maxBytes: number; readonly isolationLevel: number; readonly minOneMessage: boolean }
  | { readonly op: 'listOffset'; readonly timestamp: number; readonly isolationLevel: number }
  | { readonly op: 'deleteRecords'; readonly offset: number }
  | { readonly op: 'producers' };

export type ControlRequest =
  | { readonly op: 'leadership'; readonly leadership: PartitionLeadership }
  | { readonly op: 'settings'; readonly logConfig: LogConfig; readonly settings: LeaderSettings }
  | { readonly op: 'offsets' }
  | { readonly op: 'flush' }
  | { readonly op: 'delete' };

/** What the actor sends itself on its context's timers. */
export type TimerMessage =
  /** flush.ms, retention, deleted files, compaction: every housekeeping interval. */
  | { readonly op: 'housekeeping' }
  /** The cleaner's round goes on with its next segment (the messages queued meanwhile ran first). */
  | { readonly op: 'cleanerStep' };

export type PartitionRequest = DataRequest | ControlRequest | ReplicationRequest;
export type PartitionMessage = PartitionRequest | TimerMessage;
export type PartitionOp = PartitionMessage['op'];

export interface AppendReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly logAppendTimeMs: number;
  readonly recordCount: number;
  readonly bytes: number;
  /** Produce v8+ record_errors, when records made the batch invalid. */
  readonly recordErrors?: readonly RecordError[];
}

/** The batches read are the reply's payload. */
export interface ReadReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly lastStableOffset: number;
  /** read_committed: [producerId (decimal), firstOffset] of each transaction aborted in the range. */
  readonly abortedTransactions?: ReadonlyArray<readonly [string, number]>;
}

export interface ListOffsetReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface ProducersReply {
  readonly state: PartitionState;
  readonly producers: ReadonlyArray<{ producerId: string; producerEpoch: number; lastSequence: number; lastTimestampMs: number; coordinatorEpoch: number; currentTxnStartOffset: string }>;
}

export interface DeleteRecordsReply {
  readonly state: PartitionState;
  readonly errorCode: number;
  readonly lowWatermark: number;
}

/** The reply body to each message (timer messages are told, never asked: null). */
export interface PartitionReplies {
  append: AppendReply;
  marker: AppendReply;
  read: ReadReply;
  listOffset: ListOffsetReply;
  deleteRecords: DeleteRecordsReply;
  producers: ProducersReply;
  leadership: PartitionState;
  settings: PartitionState;
  offsets: PartitionState;
  flush: PartitionState;
  delete: null;
  replicaFetch: ReplicaFetchReply;
  maybeShrinkIsr: IsrCheckReply;
  isrChangeOutcome: { readonly state: PartitionState };
  epochEndOffset: EpochEndOffsetReply;
  fetchPosition: FollowerReply;
  followerAppend: FollowerReply;
  truncateToEpoch: FollowerReply;
  truncateFullyAndStartAt: FollowerReply;
  housekeeping: null;
  cleanerStep: null;
}

export type ReplyTo<M extends PartitionMessage> = PartitionReplies[M['op']];
export type MessageOf<K extends PartitionOp> = Extract<PartitionMessage, { readonly op: K }>;

/** What the actor's handler tables (data-, replication-) see of it. */
export interface HandlerHost {
  readonly partition: PartitionLeader;
  nowMs(): number;
  /** Why data requests are refused now (the partition is offline, or its log was deleted), or null. */
  refusal(): string | null;
  state(): PartitionState;
  /** Notes a failure; a KAFKA_STORAGE_ERROR takes the partition offline. */
  noteFailure(errorCode: number, reason: string): void;
}

/** A reply body with bytes beside it (read batches), typed by its body. */
export type PayloadReply<Body> = ReplyWithPayload & { readonly body: Body };

/** What a handler of `K` may return: its reply, with or without a payload, now or later. */
export type Answer<K extends PartitionOp> = PartitionReplies[K] | PayloadReply<PartitionReplies[K]> | Promise<PartitionReplies[K] | PayloadReply<PartitionReplies[K]>>;

/** `body` with `records` as the payload; the records' buffer is this reply's alone, so a large one moves to the asker uncopied. */
export function withRecords<Body>(body: Body, records: Buffer): PayloadReply<Body> | Body {
  return records.length > 0 ? (reply(body, records, { transfer: true }) as PayloadReply<Body>) : body;
}

/** Every op, checked complete by the compiler. */
const KNOWN_OPS: Readonly<Record<PartitionOp, true>> = {
  append: true,
  marker: true,
  read: true,
  listOffset: true,
  deleteRecords: true,
  producers: true,
  leadership: true,
  settings: true,
  offsets: true,
  flush: true,
  delete: true,
  replicaFetch: true,
  maybeShrinkIsr: true,
  isrChangeOutcome: true,
  epochEndOffset: true,
  fetchPosition: true,
  followerAppend: true,
  truncateToEpoch: true,
  truncateFullyAndStartAt: true,
  housekeeping: true,
  cleanerStep: true,
};

/** The one place a body off the ring becomes a typed message: the sender is the replica manager on this broker, so only the op is checked. */
export function asPartitionMessage(body: unknown): PartitionMessage {
  const op = typeof body === 'object' && body !== null ? (body as { op?: unknown }).op : undefined;
  if (typeof op !== 'string' || !Object.hasOwn(KNOWN_OPS, op)) throw new TypeError(`not a partition message: ${JSON.stringify(body)}`);
  return body as PartitionMessage;
}
