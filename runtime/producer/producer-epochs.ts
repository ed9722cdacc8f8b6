/** The largest epoch handed out: Kafka keeps Short.MAX_VALUE out of reach (a bump past it means a new producer id). */
export const MAX_PRODUCER_EPOCH = 0x7fff - 1;
/** A bound on what is remembered; a forgotten producer simply gets a new id, which is always safe. */
const MAX_REMEMBERED_PRODUCERS = 100_000;

interface IssuedEpoch {
  readonly producerEpoch: number;
  readonly issuedAtMs: number;
}

/**
 * The epochs this broker handed to idempotent (non-transactional) producers,
 * so that an InitProducerId carrying the current producerId/epoch (KIP-360,
 * v3+: the producer resets its sequences after an error) bumps the epoch of
 * the same id. Kept in memory for producer.id.expiration.ms: a producer this
 * broker does not remember gets a fresh id with epoch 0, which is what Kafka
 * answers every non-transactional InitProducerId.
 */
export class ProducerEpochs {
  /** In issue order (a re-issue moves to the end), so the oldest are first. */
  private readonly issued = new Map<bigint, IssuedEpoch>();

  constructor(private readonly producerIdExpirationMs: number) {}

  get size(): number {
    return this.issued.size;
  }

  remember(producerId: bigint, producerEpoch: number, nowMs: number): void {
    this.expire(nowMs);
    this.issued.delete(producerId);
    this.issued.set(producerId, { producerEpoch, issuedAtMs: nowMs });
    if (this.issued.size > MAX_REMEMBERED_PRODUCERS) {
      const oldest = this.issued.keys().next();
      if (oldest.done !== true) this.issued.delete(oldest.value);
    }
  }

  /** The next epoch of `producerId` when `producerEpoch` is its current one and can still grow; null otherwise. */
  bump(producerId: bigint, producerEpoch: number, nowMs: number): number | null {
    this.expire(nowMs);
    const current = this.issued.get(producerId);
    if (current === undefined || current.producerEpoch !== producerEpoch || producerEpoch >= MAX_PRODUCER_EPOCH) return null;
    const bumped = producerEpoch + 1;
    this.remember(producerId, bumped, nowMs);
    return bumped;
  }

  private expire(nowMs: number): void {
    for (const [producerId, { issuedAtMs }] of this.issued) {
      if (nowMs - issuedAtMs < this.producerIdExpirationMs) return;
      this.issued.delete(producerId);
    }
  }
}
