/**
 * The requests and responses the transaction coordinator handles,
 * version-independent and named after the Kafka schemas' fields. The runtime
 * maps the wire types onto these and back, and maps PRODUCER_FENCED to
 * INVALID_PRODUCER_EPOCH for the versions that predate it (KIP-588).
 */
import type { TransactionRecord } from './transaction-records.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface InitProducerIdRequest {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** v3+ (KIP-360): the id and epoch the producer holds, or -1/-1. */
  producerId: bigint;
  producerEpoch: number;
  /** A fresh producer id from the broker's block, used if this call needs one (a new id, an exhausted epoch). */
  producerIdCandidate: bigint;
}

export interface InitProducerIdResponse {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** v4+ from a partition leader (KIP-890): only check that the partitions are in the ongoing transaction. */
  verifyOnly: boolean;
  topics: TopicPartitions[];
}

export interface AddPartitionsToTxnResponse {
  /** One code for every partition of the request (the coordinator decides per transaction). */
  errorCode: number;
  /** For verifyOnly: the partitions that are not part of the ongoing transaction. */
  notInTransaction: TopicPartitions[];
}

export interface EndTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  committed: boolean;
  /** EndTxn v5+ (KIP-890 part 2): the epoch is bumped at every end and returned. */
  transactionVersion2: boolean;
  /** Used when the bump exhausts the epoch (transaction version 2 only). */
  producerIdCandidate: bigint;
}

export interface EndTxnResponse {
  errorCode: number;
  /** The id and epoch to use from now on (transaction version 2; else the request's). */
  producerId: bigint;
  producerEpoch: number;
}

export interface DescribedTransaction {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: bigint;
  producerId: bigint;
  producerEpoch: number;
  topics: TopicPartitions[];
}

export interface ListTransactionsRequest {
  /** State names; empty: all. Unknown names are returned in `unknownStateFilters`. */
  stateFilters: string[];
  producerIdFilters: bigint[];
  /** v1+: only transactions running longer than this; -1: all. */
  durationFilterMs: bigint;
}

export interface ListTransactionsResponse {
  unknownStateFilters: string[];
  transactionStates: Array<{ transactionalId: string; producerId: bigint; transactionState: string }>;
}

/**
 * Markers the runtime must write (WriteTxnMarkers) to every partition of a
 * prepared transaction, retrying until each is written; then it reports them
 * with `markersWritten`. Sent only after the records that prepared them are
 * committed.
 */
export interface TxnMarkerRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  committed: boolean;
  topics: TopicPartitions[];
}

/**
 * What a handler or a timer produced: the records, already applied, which the
 * runtime appends to the partition before it sends the response or the markers.
 */
export interface TxnResult<Response = undefined> {
  records: TransactionRecord[];
  markers: TxnMarkerRequest[];
  response: Response;
}
