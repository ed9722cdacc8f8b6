import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';

/** Kafka's RPCProducerIdManager asks for the next block once 90% of the current one is used. */
const PREFETCH_THRESHOLD = 0.9;

/** No producer id can be handed out now (no block yet, the controller refused one): the client should retry. */
export class ProducerIdsUnavailableError extends Error {
  constructor(message: string, readonly errorCode: number) {
    super(message);
    this.name = 'ProducerIdsUnavailableError';
  }
}

interface ProducerIdBlock {
  readonly firstProducerId: bigint;
  readonly size: number;
}

/**
 * Hands out producer ids from blocks the active controller allocates to this
 * broker (AllocateProducerIds, recorded as ProducerIdsRecord in
 * `__cluster_metadata`), as Kafka's RPCProducerIdManager: ids are unique
 * across the cluster and never reused after a restart, and the next block is
 * fetched before the current one runs out.
 */
export class ProducerIdManager {
  private current: ProducerIdBlock | null = null;
  private nextProducerId = 0n;
  private prefetched: ProducerIdBlock | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly brokerId: number,
    private readonly metadata: Pick<ClusterMetadata, 'allocateProducerIds' | 'brokerEpoch'>,
    private readonly log: Logger,
  ) {}

  /** The next producer id; waits for the first block (or the next, when this one is used up). */
  async generateProducerId(): Promise<bigint> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const producerId = this.take();
      if (producerId !== null) return producerId;
      await this.fetchBlock();
    }
    throw new ProducerIdsUnavailableError('no producer id block is available', ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  }

  private take(): bigint | null {
    if (this.current === null || this.nextProducerId >= this.current.firstProducerId + BigInt(this.current.size)) {
      if (this.prefetched === null) return null;
      this.current = this.prefetched;
      this.nextProducerId = this.current.firstProducerId;
      this.prefetched = null;
    }
    const producerId = this.nextProducerId++;
    const used = Number(this.nextProducerId - this.current.firstProducerId);
    if (this.prefetched === null && used >= this.current.size * PREFETCH_THRESHOLD) {
      // A failed prefetch is retried by the next call; the block at hand still serves.
      this.fetchBlock().catch((error: unknown) => this.log.warn(`Prefetching a producer id block failed: ${(error as Error).message}`));
    }
    return producerId;
  }

  /** One AllocateProducerIds at a time; concurrent callers share it. */
  private fetchBlock(): Promise<void> {
    this.inFlight ??= this.allocate().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async allocate(): Promise<void> {
    if (this.metadata.allocateProducerIds === undefined) {
      throw new ProducerIdsUnavailableError('this node cannot reach a controller for producer ids', ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const brokerEpoch = this.metadata.brokerEpoch?.() ?? -1n;
    const response = await this.metadata.allocateProducerIds({ brokerId: this.brokerId, brokerEpoch });
    const block = validBlock(response);
    if (block === null) {
      throw new ProducerIdsUnavailableError(
        `the controller gave no producer id block (error ${response.errorCode}, start ${response.producerIdStart}, length ${response.producerIdLen})`,
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      );
    }
    this.prefetched = block;
    this.log.info(`Broker ${this.brokerId} got producer ids [${block.firstProducerId}, ${block.firstProducerId + BigInt(block.size)})`);
  }
}

const INT64_MAX = 0x7fffffffffffffffn;

/** As Kafka checks it: no error, a non-negative start, a positive length, no overflow. */
function validBlock(response: AllocateProducerIdsResponse): ProducerIdBlock | null {
  const { errorCode, producerIdStart, producerIdLen } = response;
  if (errorCode !== ErrorCode.NONE || producerIdStart < 0n || producerIdLen <= 0 || producerIdStart > INT64_MAX - BigInt(producerIdLen)) return null;
  return { firstProducerId: producerIdStart, size: producerIdLen };
}
