import { KafkaTimeoutError } from '../client-error.js';

interface Waiter {
  readonly bytes: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * `buffer.memory` as a byte budget: a record takes its size until its batch
 * is done. When the budget is spent, appends wait (FIFO, so records keep
 * their send order) up to `max.block.ms`, then fail with a timeout.
 */
export class BufferPool {
  private usedBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly totalBytes: number) {}

  /** Takes `bytes` at once when there is room and nobody waits before us. */
  tryAllocate(bytes: number): boolean {
    if (this.waiters.length > 0 || this.usedBytes + bytes > this.totalBytes) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** Waits for room (behind earlier waiters) up to `waitMs`, what is left of the send's `maxBlockMs`. */
  allocate(bytes: number, waitMs: number, maxBlockMs: number): Promise<void> {
    if (this.tryAllocate(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new KafkaTimeoutError(`Failed to allocate memory within the configured max blocking time ${maxBlockMs} ms.`));
          this.serveWaiters();
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  deallocate(bytes: number): void {
    this.usedBytes -= bytes;
    this.serveWaiters();
  }

  /** Someone waits for room: the accumulator then sends batches without waiting for linger.ms. */
  get exhausted(): boolean {
    return this.waiters.length > 0;
  }

  get availableBytes(): number {
    return this.totalBytes - this.usedBytes;
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.usedBytes + this.waiters[0]!.bytes <= this.totalBytes) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      this.usedBytes += waiter.bytes;
      waiter.resolve();
    }
  }
}
