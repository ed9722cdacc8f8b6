import type { BackgroundPool } from '../../core/actors/background-pool.js';
import { codecOfCompressionType, type TopicCompressionType } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { BatchField, type CompressionCodec } from '../../core/protocol/record-batch-header.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';

/** Why a produced batch goes no further than the handler. */
export interface Refusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/**
 * Produced batches whose codec differs from their topic's compression.type are
 * recompressed on the background pool (`background.threads`) before they reach
 * their partition, which then appends them as they are: the recompression no
 * longer holds up the io thread, whose other partitions wait meanwhile, and
 * several batches are recompressed at once. Batches of one partition still
 * reach it in the order they arrived: each waits for the ones queued before it.
 */
export class ProduceRecompression {
  /** Per partition, the last batch queued: settles once it and every batch before it are ready. */
  private readonly queued = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: BackgroundPool,
    private readonly config: BrokerConfig,
    private readonly metadata: Pick<ClusterMetadata, 'image'>,
  ) {}

  /**
   * The batch as its partition should get it; null when it goes as it came with
   * nothing queued before it (the hot path: no promise, no copy).
   */
  prepare(topic: string, partition: number, records: Buffer): Promise<Buffer | Refusal> | null {
    const key = `${topic}-${partition}`;
    const before = this.queued.get(key);
    const codec = this.targetCodec(topic, records);
    if (codec === null && before === undefined) return null;
    // With the pool's queue full, the partition recompresses the batch itself.
    const ready = codec === null || this.pool.saturated ? Promise.resolve(records) : this.recompress(records, codec);
    const inOrder = before === undefined ? ready : before.then(() => ready);
    // A failed job fails its own request only; the batches after it go on.
    const settled = inOrder.then(
      () => undefined,
      () => undefined,
    );
    this.queued.set(key, settled);
    void settled.then(() => {
      if (this.queued.get(key) === settled) this.queued.delete(key);
    });
    return inOrder;
  }

  private async recompress(records: Buffer, codec: CompressionCodec): Promise<Buffer | Refusal> {
    const result = await this.pool.recompress(records, codec);
    if ('corrupt' in result) return { errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: result.corrupt };
    return 'unchanged' in result ? records : Buffer.from(result.batch.buffer, result.batch.byteOffset, result.batch.byteLength);
  }

  /** The topic's codec when it differs from the batch's; null when the batch is kept as it is. */
  private targetCodec(topic: string, records: Buffer): CompressionCodec | null {
    const type = (this.metadata.image().configs.get(`${ConfigResourceType.topic}/${topic}`)?.get('compression.type') ??
      this.config.values['compression.type']) as TopicCompressionType;
    if (type === 'producer' || !(type in codecOfCompressionType) || records.length <= BatchField.attributes + 2) return null;
    const codec = codecOfCompressionType[type as Exclude<TopicCompressionType, 'producer'>];
    return (records.readInt16BE(BatchField.attributes) & 0x07) === codec ? null : codec;
  }
}
