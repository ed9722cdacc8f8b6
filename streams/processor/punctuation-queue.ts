import type { Cancellable, Punctuator } from './processor.js';

interface Schedule {
  readonly nodeName: string;
  readonly intervalMs: number;
  readonly punctuator: Punctuator;
  nextMs: number;
  cancelled: boolean;
}

/**
 * Scheduled punctuations of one task for one PunctuationType, driven by the
 * time it is given (stream time or wall-clock time), as Kafka's
 * PunctuationQueue: a due schedule fires once with the current time, and if
 * time jumped over several intervals the missed ones are skipped, not replayed.
 */
export class PunctuationQueue {
  readonly #schedules: Schedule[] = [];

  schedule(nodeName: string, firstMs: number, intervalMs: number, punctuator: Punctuator): Cancellable {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`the punctuation interval must be at least 1 ms, got ${intervalMs}`);
    const entry: Schedule = { nodeName, intervalMs, punctuator, nextMs: firstMs, cancelled: false };
    this.#schedules.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Fires every due schedule, earliest first; returns whether any fired. */
  mayPunctuate(nowMs: number, run: (nodeName: string, punctuator: Punctuator, nowMs: number) => void): boolean {
    let punctuated = false;
    for (;;) {
      this.#dropCancelled();
      const due = this.#schedules.filter((s) => s.nextMs <= nowMs).sort((a, b) => a.nextMs - b.nextMs)[0];
      if (due === undefined) break;
      run(due.nodeName, due.punctuator, nowMs);
      punctuated = true;
      const next = due.nextMs + due.intervalMs;
      due.nextMs = nowMs >= next ? due.nextMs + (Math.floor((nowMs - due.nextMs) / due.intervalMs) + 1) * due.intervalMs : next;
    }
    return punctuated;
  }

  #dropCancelled(): void {
    for (let i = this.#schedules.length - 1; i >= 0; i--) if (this.#schedules[i]!.cancelled) this.#schedules.splice(i, 1);
  }
}
