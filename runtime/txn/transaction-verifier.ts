/**
 * KIP-890 part 1 on the produce path: before a partition appends the first
 * transactional batch of a producer's transaction, its leader asks the
 * transaction coordinator (AddPartitionsToTxn, verifyOnly) whether the
 * partition is part of an ongoing transaction of that producer and epoch. A
 * late batch of an ended transaction (a hanging transaction, KAFKA-14402) is
 * refused with INVALID_TXN_STATE instead of opening a transaction nobody will
 * ever end. A coordinator on another broker is asked over the inter-broker
 * listener (AddPartitionsToTxn v4, Kafka's AddPartitionsToTxnManager).
 * Verified (partition, producer, epoch) triples are remembered until
 * a marker of that producer lands on the partition. Batches of one producer
 * on one partition wait in order behind each other's verification, so their
 * sequence order is kept.
 */
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AddPartitionsToTxnResponse as AddPartitionsToTxnWireResponse } from '../../core/protocol/generated/messages/add-partitions-to-txn.js';
import { BATCH_HEADER_SIZE, RecordBatchView } from '../../core/protocol/record-batch-header.js';
import type { AddPartitionsToTxnResponse } from '../../core/txn/transaction-api.js';
import { CoordinatorUnavailableError } from '../group/group-coordinator-service.js';
import type { AppendOutcome } from '../replica/replica-manager.js';
import type { BrokerChannels } from './broker-channels.js';
import { TRANSACTION_STATE_TOPIC } from './transaction-coordinator-actor.js';
import type { TransactionCoordinatorService } from './transaction-coordinator-service.js';

/** The first AddPartitionsToTxn version with verify-only batches from brokers. */
const VERIFY_VERSION = 4;

export class TransactionVerifier {
  private readonly verified = new Set<string>();
  /** The last verification queued per (partition, producer): the next batch waits for it. */
  private readonly queues = new Map<string, Promise<AppendOutcome | null>>();

  constructor(
    private readonly service: Pick<TransactionCoordinatorService, 'call' | 'partitionFor' | 'localPartitions'>,
    private readonly brokers: Pick<BrokerChannels, 'nodeId' | 'leaderOf' | 'request'>,
    /** transaction.partition.verification.enable */
    private readonly enabled = true,
  ) {}

  /**
   * Null when the batch needs no verification (not transactional); else
   * resolves with the refusal to answer, or null once it may be appended.
   */
  gate(transactionalId: string | null, topic: string, partition: number, records: Buffer | null): Promise<AppendOutcome | null> | null {
    if (!this.enabled || transactionalId === null || records === null || records.length < BATCH_HEADER_SIZE) return null;
    const view = new RecordBatchView(records, 0);
    if (!view.isTransactional || view.isControl) return null;
    const producerId = view.producerId;
    const producerEpoch = view.producerEpoch;
    const key = `${topic}\u0000${partition}\u0000${producerId}`;
    const queued = (this.queues.get(key) ?? Promise.resolve(null)).then(() => this.verify(transactionalId, topic, partition, producerId, producerEpoch));
    this.queues.set(key, queued);
    void queued.finally(() => {
      if (this.queues.get(key) === queued) this.queues.delete(key);
    });
    return queued;
  }

  /** A marker of `producerId` landed on the partition: its transaction there is over. */
  onMarker(topic: string, partition: number, producerId: bigint): void {
    const prefix = `${topic}\u0000${partition}\u0000${producerId}\u0000`;
    for (const key of this.verified) if (key.startsWith(prefix)) this.verified.delete(key);
  }

  private async verify(transactionalId: string, topic: string, partition: number, producerId: bigint, producerEpoch: number): Promise<AppendOutcome | null> {
    const key = `${topic}\u0000${partition}\u0000${producerId}\u0000${producerEpoch}`;
    if (this.verified.has(key)) return null;
    const request = { transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ topic, partitions: [partition] }] };
    const coordinatorPartition = this.service.partitionFor(transactionalId);
    let errorCode: number;
    try {
      if (this.service.localPartitions().includes(coordinatorPartition)) {
        errorCode = (await this.service.call<AddPartitionsToTxnResponse>(transactionalId, { api: 'AddPartitionsToTxn', request })).errorCode;
      } else {
        errorCode = await this.verifyRemotely(coordinatorPartition, transactionalId, producerId, producerEpoch, topic, partition);
      }
    } catch (error) {
      // As Kafka: a coordinator that cannot answer makes the produce retriable.
      if (error instanceof CoordinatorUnavailableError) return refused(ErrorCode.NOT_ENOUGH_REPLICAS, `the transaction coordinator of ${transactionalId} did not answer`);
      throw error;
    }
    switch (errorCode) {
      case ErrorCode.NONE:
        this.verified.add(key);
        return null;
      case ErrorCode.PRODUCER_FENCED:
        return refused(ErrorCode.INVALID_PRODUCER_EPOCH, `producer ${producerId} epoch ${producerEpoch} is fenced`);
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        return refused(ErrorCode.NOT_ENOUGH_REPLICAS, `the transaction coordinator of ${transactionalId} did not answer`);
      default:
        return refused(ErrorCode.INVALID_TXN_STATE, `${topic}-${partition} is not in an ongoing transaction of producer ${producerId} epoch ${producerEpoch}`);
    }
  }

  /** The code the coordinator on another broker gives the partition; one that cannot be reached is COORDINATOR_NOT_AVAILABLE. */
  private async verifyRemotely(coordinatorPartition: number, transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): Promise<number> {
    const coordinator = this.brokers.leaderOf(TRANSACTION_STATE_TOPIC, coordinatorPartition);
    if (coordinator === null || coordinator === this.brokers.nodeId) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const request = {
      transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [partition] }] }],
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    };
    let response: AddPartitionsToTxnWireResponse;
    try {
      response = await this.brokers.request<AddPartitionsToTxnWireResponse>(coordinator, ApiKey.AddPartitionsToTxn, VERIFY_VERSION, request);
    } catch {
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
    return response.resultsByTransaction[0]?.topicResults[0]?.resultsByPartition[0]?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

function refused(errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordCount: 0 };
}
