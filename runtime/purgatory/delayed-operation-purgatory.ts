/**
 * Kafka's purgatory: requests that cannot be answered yet (acks=all produce
 * waiting for the ISR, a fetch waiting for fetch.min.bytes) wait here, keyed by
 * the partitions whose progress could complete them. An append or a high
 * watermark move calls `checkAndComplete(key)`; a timer calls `expire(nowMs)`.
 * Time is passed in, so the same code runs under a virtual clock in tests.
 */
export interface DelayedOperation {
  readonly deadlineMs: number;
  /** Returns true when the operation could finish (and has answered). */
  tryComplete(): boolean;
  /** Answers with what there is once the deadline has passed. */
  onExpiration(): void;
}

export class DelayedOperationPurgatory<K> {
  private readonly watchers = new Map<K, Set<DelayedOperation>>();
  private readonly pending = new Map<DelayedOperation, K[]>();

  constructor(readonly name: string) {}

  /** Operations waiting, counted once however many keys they watch. */
  get size(): number {
    return this.pending.size;
  }

  /** Tries the operation once; if it cannot finish yet, parks it under `keys`. */
  tryCompleteElseWatch(operation: DelayedOperation, keys: K[]): boolean {
    if (operation.tryComplete()) return true;
    this.pending.set(operation, keys);
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(key, set);
      }
      set.add(operation);
    }
    return false;
  }

  /** Retries the operations watching `key`; returns how many completed. */
  checkAndComplete(key: K): number {
    const set = this.watchers.get(key);
    if (set === undefined) return 0;
    let completed = 0;
    for (const operation of [...set]) {
      if (operation.tryComplete()) {
        this.remove(operation);
        completed++;
      }
    }
    return completed;
  }

  /** Expires every operation whose deadline is at or before `nowMs`. */
  expire(nowMs: number): number {
    let expired = 0;
    for (const operation of [...this.pending.keys()]) {
      if (operation.deadlineMs <= nowMs) {
        this.remove(operation);
        operation.onExpiration();
        expired++;
      }
    }
    return expired;
  }

  /** The earliest deadline, for arming a single timer. */
  nextDeadlineMs(): number | undefined {
    let next: number | undefined;
    for (const operation of this.pending.keys()) {
      if (next === undefined || operation.deadlineMs < next) next = operation.deadlineMs;
    }
    return next;
  }

  /** Expires everything now (broker shutdown): every waiting request is answered. */
  shutdown(): void {
    for (const operation of [...this.pending.keys()]) {
      this.remove(operation);
      operation.onExpiration();
    }
  }

  private remove(operation: DelayedOperation): void {
    const keys = this.pending.get(operation);
    if (keys === undefined) return;
    this.pending.delete(operation);
    for (const key of keys) {
      const set = this.watchers.get(key);
      set?.delete(operation);
      if (set?.size === 0) this.watchers.delete(key);
    }
  }
}
