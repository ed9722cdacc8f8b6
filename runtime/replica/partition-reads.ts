import type { ProducerDescription } from '../../core/partition/partition-leader.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { partitionKey, type LocalPartition, type PartitionLookup } from './local-partition.js';
import type { MessageOf } from './partition-messages.js';
import type { PartitionRegistry } from './partition-registry.js';
import { preferredReadReplica } from './preferred-read-replica.js';
import type { ReplicaMetrics } from './replica-metrics.js';

export interface ReadOutcome {
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  readonly records: Buffer | null;
  /** read_committed: the transactions aborted in the range read. */
  readonly abortedTransactions?: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }>;
  /** KIP-392: the replica the consumer should fetch from instead (then no records). */
  readonly preferredReadReplica?: number;
}

/** Where a consumer fetch may be served (KIP-392, Fetch v11+): its `client.rack`, and whether the leader picks a replica of that rack. */
export interface ClientRackRead {
  readonly rackId: string;
  /** `replica.selector.class` is the rack-aware selector; else the leader serves consumers of every rack (though followers still serve a consumer that asks them). */
  readonly rackAware: boolean;
  readonly image: () => MetadataImage;
}

const failedRead = (errorCode: number): ReadOutcome => ({ errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null });

/** Kafka's answer naming a preferred read replica: the leader's offsets, no records. */
function redirected(local: LocalPartition, preferredReadReplica: number): ReadOutcome {
  const { highWatermark, lastStableOffset, logStartOffset } = local.state;
  return { errorCode: ErrorCode.NONE, highWatermark: BigInt(highWatermark), lastStableOffset: BigInt(lastStableOffset), logStartOffset: BigInt(logStartOffset), records: null, preferredReadReplica };
}

/** KIP-320: a client naming an older leader epoch is fenced; a newer one means this broker is behind. */
export function leaderEpochError(requested: number, current: number): number {
  if (requested < 0 || requested === current) return ErrorCode.NONE;
  return requested < current ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}

/**
 * The leader's answers that read or trim a partition for a client: Fetch
 * reads (up to HW / LSO, leader-epoch check), ListOffsets, DescribeProducers,
 * DeleteRecords.
 */
export class PartitionReads {
  constructor(
    private readonly registry: PartitionRegistry,
    private readonly metrics: ReplicaMetrics,
    /** DeleteRecords moved a log start offset: the checkpoints are written at once. */
    private readonly onRecordsDeleted: () => void,
  ) {}

  /**
   * Without `rack` (Fetch before v11, the broker's own reads) only the leader serves. With it a
   * follower serves too, up to its high watermark (Kafka's fetchOnlyFromLeader = false), and a
   * rack-aware leader may answer with a preferred read replica of the client's rack instead.
   */
  async read(topic: string, partition: number, fetchOffset: bigint, maxBytes: number, isolationLevel: number, minOneMessage: boolean, currentLeaderEpoch: number, rack: ClientRackRead | null = null): Promise<ReadOutcome> {
    const found = rack === null ? this.registry.lookup(topic, partition) : this.anyReplica(topic, partition);
    if (found.partition === undefined) return failedRead(found.errorCode);
    const local = found.partition;
    const epochError = leaderEpochError(currentLeaderEpoch, local.leaderEpoch);
    if (epochError !== ErrorCode.NONE) return failedRead(epochError);
    if (rack?.rackAware === true && local.leaderId === this.registry.nodeId) {
      const preferred = preferredReadReplica(local, rack.image(), rack.rackId, fetchOffset);
      if (preferred >= 0) return redirected(local, preferred);
    }
    const request: MessageOf<'read'> = { op: 'read', fetchOffset: Number(fetchOffset), maxBytes, isolationLevel, minOneMessage };
    const message = await this.registry.ask(local, request);
    if (typeof message === 'number') return failedRead(message);
    const { body, payload } = message;
    this.registry.updateState(local, body.state);
    const records = payload === undefined ? null : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (records !== null) this.metrics.sent(topic, records);
    return {
      errorCode: body.errorCode,
      highWatermark: BigInt(body.state.highWatermark),
      lastStableOffset: BigInt(body.lastStableOffset),
      logStartOffset: BigInt(body.state.logStartOffset),
      records,
      ...(body.abortedTransactions === undefined ? {} : { abortedTransactions: body.abortedTransactions.map(([producerId, firstOffset]) => ({ producerId: BigInt(producerId), firstOffset: BigInt(firstOffset) })) }),
    };
  }

  /** This broker's replica, leader or follower; else the leader-only lookup's error. */
  private anyReplica(topic: string, partition: number): PartitionLookup {
    const local = this.registry.get(partitionKey(topic, partition));
    return local === undefined ? this.registry.lookup(topic, partition) : { errorCode: ErrorCode.NONE, partition: local };
  }

  async listOffset(topic: string, partition: number, timestamp: bigint, isolationLevel: number): Promise<{ errorCode: number; offset: bigint; timestamp: bigint; leaderEpoch: number }> {
    const found = this.registry.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    const local = found.partition;
    const answer = await this.registry.ask(local, { op: 'listOffset', timestamp: Number(timestamp), isolationLevel });
    if (typeof answer === 'number') return { errorCode: answer, offset: -1n, timestamp: -1n, leaderEpoch: -1 };
    const { body } = answer;
    this.registry.updateState(local, body.state);
    return { errorCode: body.errorCode, offset: BigInt(body.offset), timestamp: BigInt(body.timestamp), leaderEpoch: body.leaderEpoch };
  }

  async describeProducers(topic: string, partition: number): Promise<{ errorCode: number; producers: ProducerDescription[] }> {
    const found = this.registry.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, producers: [] };
    const answer = await this.registry.ask(found.partition, { op: 'producers' });
    if (typeof answer === 'number') return { errorCode: answer, producers: [] };
    this.registry.updateState(found.partition, answer.body.state);
    const producers = answer.body.producers.map((p) => ({ ...p, producerId: BigInt(p.producerId), currentTxnStartOffset: BigInt(p.currentTxnStartOffset) }));
    return { errorCode: ErrorCode.NONE, producers };
  }

  async deleteRecords(topic: string, partition: number, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const found = this.registry.lookup(topic, partition);
    if (found.partition === undefined) return { errorCode: found.errorCode, lowWatermark: -1n };
    const local = found.partition;
    const answer = await this.registry.ask(local, { op: 'deleteRecords', offset: Number(offset) });
    if (typeof answer === 'number') return { errorCode: answer, lowWatermark: -1n };
    const { body } = answer;
    this.registry.updateState(local, body.state);
    if (body.errorCode === ErrorCode.NONE) this.onRecordsDeleted();
    return { errorCode: body.errorCode, lowWatermark: BigInt(body.lowWatermark) };
  }
}
