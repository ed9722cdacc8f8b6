/** Limits shared by mailboxes and rings: count and bytes, both required. */
export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
}

/** Roughly what a message costs beyond its payload (envelope, bookkeeping). */
export const MESSAGE_OVERHEAD_BYTES = 64;

/**
 * A bounded FIFO: `offer` refuses (returns false) instead of growing past
 * either limit. A single message larger than maxBytes is still accepted into
 * an empty mailbox, so that big batches are slow rather than impossible.
 */
export class Mailbox<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly limits: QueueLimits) {}

  get depth(): number {
    return this.items.length - this.head;
  }

  get depthBytes(): number {
    return this.bytes;
  }

  canAccept(sizeBytes: number): boolean {
    if (this.depth === 0) return true;
    return this.depth < this.limits.maxMessages && this.bytes + sizeBytes <= this.limits.maxBytes;
  }

  offer(item: T, sizeBytes: number): boolean {
    if (!this.canAccept(sizeBytes)) return false;
    this.items.push(item);
    this.sizes.push(sizeBytes);
    this.bytes += sizeBytes;
    return true;
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.bytes -= this.sizes[this.head]!;
    this.head++;
    // Compact now and then so the arrays do not grow without bound.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything queued. */
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }
}
