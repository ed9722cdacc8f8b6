import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AddOffsetsToTxnResponse } from '../../core/protocol/generated/messages/add-offsets-to-txn.js';
import type { AddPartitionsToTxnResponse } from '../../core/protocol/generated/messages/add-partitions-to-txn.js';
import type { EndTxnResponse } from '../../core/protocol/generated/messages/end-txn.js';
import type { InitProducerIdResponse } from '../../core/protocol/generated/messages/init-producer-id.js';
import type { TxnOffsetCommitResponse } from '../../core/protocol/generated/messages/txn-offset-commit.js';
import { KafkaClientError, KafkaTimeoutError, ProducerFencedError } from '../client-error.js';
import type { BrokerConnection } from '../broker-connection.js';
import type { KafkaClient } from '../kafka-client.js';
import type { TransactionManager } from './transaction-manager.js';

/** Where a consumer group is, for sendOffsetsToTransaction (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: bigint | number;
  leaderEpoch?: number;
  metadata?: string | null;
}

/** Codes the coordinator answers while it moves or loads, or while the previous transaction completes: ask again. */
const retryCodes: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
]);
const fencingCodes: ReadonlySet<number> = new Set([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);

/**
 * The transactional producer's calls to its transaction coordinator
 * (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and to the
 * group coordinator (TxnOffsetCommit), each retried while the coordinator
 * is unavailable, moving or busy finishing the previous transaction, up to
 * `max.block.ms`.
 */
export class TransactionCoordinatorClient {
  constructor(
    private readonly client: KafkaClient,
    private readonly transactions: TransactionManager,
    private readonly options: { maxBlockMs: number; transactionTimeoutMs: number; retryBackoffMs: number },
  ) {}

  private get transactionalId(): string {
    return this.transactions.transactionalId!;
  }

  async initProducerId(): Promise<void> {
    const response = await this.call<InitProducerIdResponse>('InitProducerId', 1, this.transactionalId, ApiKey.InitProducerId, () => ({
      transactionalId: this.transactionalId,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
      producerId: this.transactions.producerId,
      producerEpoch: this.transactions.producerEpoch,
    }), (r) => r.errorCode);
    this.transactions.setProducerIdAndEpoch(response.producerId, response.producerEpoch);
  }

  async addPartitions(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    await this.call<AddPartitionsToTxnResponse>('AddPartitionsToTxn', 1, this.transactionalId, ApiKey.AddPartitionsToTxn, () => ({
      transactions: [],
      v3AndBelowTransactionalId: this.transactionalId,
      v3AndBelowProducerId: this.transactions.producerId,
      v3AndBelowProducerEpoch: this.transactions.producerEpoch,
      v3AndBelowTopics: [...byTopic].map(([name, list]) => ({ name, partitions: list })),
    }), (r) => {
      const codes = r.resultsByTopicV3AndBelow.flatMap((topic) => topic.resultsByPartition.map((partition) => partition.partitionErrorCode));
      // OPERATION_NOT_ATTEMPTED marks partitions skipped because another failed: the real error is the other one.
      return codes.find((code) => code !== ErrorCode.NONE && code !== ErrorCode.OPERATION_NOT_ATTEMPTED) ?? r.errorCode;
    });
  }

  async endTransaction(committed: boolean): Promise<void> {
    await this.call<EndTxnResponse>('EndTxn', 1, this.transactionalId, ApiKey.EndTxn, () => ({
      transactionalId: this.transactionalId,
      producerId: this.transactions.producerId,
      producerEpoch: this.transactions.producerEpoch,
      committed,
    }), (r) => r.errorCode);
  }

  async sendOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    await this.call<AddOffsetsToTxnResponse>('AddOffsetsToTxn', 1, this.transactionalId, ApiKey.AddOffsetsToTxn, () => ({
      transactionalId: this.transactionalId,
      producerId: this.transactions.producerId,
      producerEpoch: this.transactions.producerEpoch,
      groupId: group.groupId,
    }), (r) => r.errorCode);
    const byTopic = new Map<string, OffsetToCommit[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    await this.call<TxnOffsetCommitResponse>('TxnOffsetCommit', 0, group.groupId, ApiKey.TxnOffsetCommit, () => ({
      transactionalId: this.transactionalId,
      groupId: group.groupId,
      producerId: this.transactions.producerId,
      producerEpoch: this.transactions.producerEpoch,
      generationId: group.generationId ?? -1,
      memberId: group.memberId ?? '',
      groupInstanceId: group.groupInstanceId ?? null,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((offset) => ({
          partitionIndex: offset.partition,
          committedOffset: BigInt(offset.offset),
          committedLeaderEpoch: offset.leaderEpoch ?? -1,
          committedMetadata: offset.metadata ?? '',
        })),
      })),
    }), (r) => r.topics.flatMap((topic) => topic.partitions.map((partition) => partition.errorCode)).find((code) => code !== ErrorCode.NONE) ?? ErrorCode.NONE);
  }

  /** One coordinator request, retried on the codes above until max.block.ms; fencing codes become ProducerFencedError. */
  private async call<Response>(
    name: string,
    keyType: 0 | 1,
    key: string,
    apiKey: number,
    body: () => unknown,
    errorOf: (response: Response) => number,
  ): Promise<Response> {
    const deadline = Date.now() + this.options.maxBlockMs;
    let lastError: KafkaClientError | null = null;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      let connection: BrokerConnection;
      try {
        connection = await this.client.coordinatorConnection(key, keyType);
        const response = await connection.request<Response>(apiKey, body());
        const code = errorOf(response);
        if (code === ErrorCode.NONE) return response;
        lastError = new KafkaClientError(code, `${name} for ${key}`);
      } catch (error) {
        if (!(error instanceof KafkaClientError)) throw error;
        lastError = error;
      }
      if (fencingCodes.has(lastError.errorCode)) throw new ProducerFencedError(`${name} for ${key}: ${lastError.message}`, lastError.errorCode);
      if (!retryCodes.has(lastError.errorCode) && !lastError.retriable) throw lastError;
      // CONCURRENT_TRANSACTIONS clears within milliseconds; a moving coordinator takes longer.
      const delayMs = lastError.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS ? 20 : this.options.retryBackoffMs * 2 ** Math.min(attempt, 3);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(delayMs, deadline - Date.now()))));
    }
    throw new KafkaTimeoutError(`Timeout expired after ${this.options.maxBlockMs} ms while awaiting ${name}${lastError === null ? '' : ` (last error ${lastError.errorName})`}`);
  }
}
