import type { ProduceRequest } from '../../core/protocol/generated/messages/produce.js';
import type { CompressionCodec } from '../../core/protocol/record-batch-header.js';
import { buildRecordBatch, type RecordInput } from '../../core/protocol/records/record-batch-builder.js';

export interface PartitionRecords {
  topic: string;
  partition: number;
  records: RecordInput[];
  /** Idempotence: the batch's producer id, epoch and first sequence (-1 without). */
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface ProduceRequestOptions {
  acks: -1 | 0 | 1;
  timeoutMs: number;
  compression: CompressionCodec;
  compressionLevel?: number | undefined;
  transactionalId?: string | null;
}

/**
 * The Produce request for some partitions' records: one v2 batch per
 * partition (compressed when asked, transactional when a transactional id is
 * given), grouped by topic in the given order.
 */
export async function buildProduceRequest(batches: readonly PartitionRecords[], options: ProduceRequestOptions): Promise<ProduceRequest> {
  const transactionalId = options.transactionalId ?? null;
  const topicData = new Map<string, { index: number; records: Buffer }[]>();
  for (const batch of batches) {
    const records = await buildRecordBatch({
      records: batch.records,
      compression: options.compression,
      ...(options.compressionLevel === undefined ? {} : { compressionLevel: options.compressionLevel }),
      producerId: batch.producerId ?? -1n,
      producerEpoch: batch.producerEpoch ?? -1,
      baseSequence: batch.baseSequence ?? -1,
      isTransactional: transactionalId !== null,
    });
    let partitions = topicData.get(batch.topic);
    if (partitions === undefined) topicData.set(batch.topic, (partitions = []));
    partitions.push({ index: batch.partition, records });
  }
  return {
    transactionalId,
    acks: options.acks,
    timeoutMs: options.timeoutMs,
    topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
  };
}
