import type { OffsetCommitValue } from './group-records.js';

/** One offset a transaction committed, waiting for the transaction's marker. */
export interface PendingOffset {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly value: OffsetCommitValue;
}

/**
 * Offsets written by TxnOffsetCommit, per producer, as Kafka's
 * pendingTransactionalOffsetCommits: invisible to OffsetFetch (which answers
 * UNSTABLE_OFFSET_COMMIT for them when asked for stable offsets) until the
 * transaction's commit marker reaches this __consumer_offsets partition; an
 * abort marker drops them.
 */
export class PendingTransactionalOffsets {
  private readonly byProducer = new Map<bigint, Map<string, PendingOffset>>();

  add(producerId: bigint, offset: PendingOffset): void {
    let pending = this.byProducer.get(producerId);
    if (pending === undefined) this.byProducer.set(producerId, (pending = new Map()));
    // A later commit of the same partition in the same transaction replaces the earlier one.
    pending.set(`${offset.group}\u0000${offset.topic}\u0000${offset.partition}`, offset);
  }

  /** The producer's pending offsets, removed (its transaction ended). */
  take(producerId: bigint): PendingOffset[] {
    const pending = this.byProducer.get(producerId);
    this.byProducer.delete(producerId);
    return pending === undefined ? [] : [...pending.values()];
  }

  isPending(group: string, topic: string, partition: number): boolean {
    const key = `${group}\u0000${topic}\u0000${partition}`;
    for (const pending of this.byProducer.values()) if (pending.has(key)) return true;
    return false;
  }

  /** Groups with offsets waiting for a transaction (a group is not empty of offsets while they wait). */
  hasGroup(group: string): boolean {
    for (const pending of this.byProducer.values()) for (const offset of pending.values()) if (offset.group === group) return true;
    return false;
  }
}
