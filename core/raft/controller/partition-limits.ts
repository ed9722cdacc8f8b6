import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { MetadataImage } from '../metadata/metadata-image.js';

/**
 * Most partitions one CreateTopics or CreatePartitions may add, as Kafka 4 refuses a request of
 * more than 10,000 before placing any replica (KAFKA-17870): the records of one request are
 * committed as one batch, and placing a million partitions alone costs hundreds of megabytes.
 */
const MAX_PARTITIONS_PER_REQUEST = 10_000;

export interface PartitionLimits {
  /** KIP-578 `max.partitions`: partitions in the cluster. */
  readonly maxPartitions: number;
  /** KIP-578 `max.broker.partitions`: replicas one broker hosts. */
  readonly maxBrokerPartitions: number;
}

export interface PartitionLimitRefusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

const policyViolation = (errorMessage: string): PartitionLimitRefusal => ({ errorCode: ErrorCode.POLICY_VIOLATION, errorMessage });

/** The whole request is refused when it would add more than MAX_PARTITIONS_PER_REQUEST partitions. */
export function requestPartitionsRefusal(requested: number): PartitionLimitRefusal | undefined {
  if (requested <= MAX_PARTITIONS_PER_REQUEST) return undefined;
  return policyViolation(`the request adds ${requested} partitions; at most ${MAX_PARTITIONS_PER_REQUEST} may be created by one request`);
}

/**
 * Partitions in the cluster and replicas per broker, counted once per request and grown by each
 * accepted topic, so the topics of one request are checked against each other too.
 */
export class PartitionCounts {
  private total = 0;
  private readonly perBroker = new Map<number, number>();

  constructor(
    image: MetadataImage,
    private readonly limits: PartitionLimits,
  ) {
    for (const topic of image.topics.values()) {
      this.total += topic.partitions.size;
      for (const partition of topic.partitions.values()) for (const broker of partition.replicas) this.add(broker, 1);
    }
  }

  /** Why adding these partitions (replica lists) would break a limit, or undefined after counting them. */
  admit(assignment: readonly (readonly number[])[]): PartitionLimitRefusal | undefined {
    const { maxPartitions, maxBrokerPartitions } = this.limits;
    if (this.total + assignment.length > maxPartitions) {
      return policyViolation(`adding ${assignment.length} partitions would exceed max.partitions=${maxPartitions} (the cluster has ${this.total})`);
    }
    const added = new Map<number, number>();
    for (const replicas of assignment) for (const broker of replicas) added.set(broker, (added.get(broker) ?? 0) + 1);
    for (const [broker, count] of added) {
      const hosted = this.perBroker.get(broker) ?? 0;
      if (hosted + count > maxBrokerPartitions) {
        return policyViolation(`adding ${count} partition replicas to broker ${broker} would exceed max.broker.partitions=${maxBrokerPartitions} (it hosts ${hosted})`);
      }
    }
    this.total += assignment.length;
    for (const [broker, count] of added) this.add(broker, count);
    return undefined;
  }

  private add(broker: number, count: number): void {
    this.perBroker.set(broker, (this.perBroker.get(broker) ?? 0) + count);
  }
}
