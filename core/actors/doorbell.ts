/**
 * Doorbell: one shared word pair per receiving thread, so that any number of
 * writers can wake it with one notify per burst instead of one per message.
 *
 *   offset  name      written by   meaning
 *   0       SEQ       writers      bumped (then notified) to wake the sleeper
 *   4       SLEEPING  both         the receiver sets 1 before sleeping; the first
 *                                  writer to CAS it 1 -> 0 bumps SEQ and notifies
 *   8       STOPPED   owner        1 once the receiver stops listening
 *   64      …         owner        the thread's CongestionTable (congestion-table.ts):
 *                                  every peer that can ring the thread reads it
 *
 * Sleep protocol (receiver): seq = SEQ; SLEEPING = 1; re-check its rings;
 * if any has data, SLEEPING = 0 and drain, else wait on SEQ != seq. Because a
 * writer publishes its record before it reads SLEEPING, either the re-check
 * sees the record or the writer sees SLEEPING = 1 and rings. With a spin
 * budget the receiver first polls `hasWork()` for a while, so a writer that
 * is mid-burst finds it awake and needs no notify at all.
 */

import { CONGESTION_TABLE_BYTES, CongestionTable } from './congestion-table.js';
import { noSpin, type SpinBudget } from './spin.js';
import { waitAsync } from './wait-async.js';
const SEQ = 0;
const SLEEPING = 1;
const STOPPED = 2;
const CONGESTION_TABLE_OFFSET = 64;

export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  constructor(buffer = new SharedArrayBuffer(CONGESTION_TABLE_OFFSET + CONGESTION_TABLE_BYTES)) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, 3);
  }

  /** The congestion table of the thread this doorbell wakes, in the same buffer. */
  static congestionTable(buffer: SharedArrayBuffer): CongestionTable {
    return new CongestionTable(buffer, CONGESTION_TABLE_OFFSET);
  }

  /** Wakes the receiver if it sleeps; cheap (one atomic load) when it is awake. */
  ring(): void {
    if (Atomics.load(this.words, SLEEPING) === 1 && Atomics.compareExchange(this.words, SLEEPING, 1, 0) === 1) {
      Atomics.add(this.words, SEQ, 1);
      Atomics.notify(this.words, SEQ);
    }
  }

  /**
   * Receiver: sleeps until rung, unless `hasWork()` (polled for the spin
   * budget first, checked again after announcing the sleep) says there is
   * already something to do. Resolves true when it should drain, false
   * once stopped.
   */
  async sleep(hasWork: () => boolean, spin: SpinBudget = noSpin): Promise<boolean> {
    // SEQ first: a stop() from here on changes it, so the wait below cannot miss it.
    const seq = Atomics.load(this.words, SEQ);
    if (Atomics.load(this.words, STOPPED) === 1) return false;
    const start = performance.now();
    if (await spin.spin(hasWork)) {
      spin.waited((performance.now() - start) * 1000);
      return true;
    }
    Atomics.store(this.words, SLEEPING, 1);
    if (hasWork()) {
      Atomics.store(this.words, SLEEPING, 0);
      return true;
    }
    await waitAsync(this.words, SEQ, seq);
    spin.waited((performance.now() - start) * 1000);
    return Atomics.load(this.words, STOPPED) === 0;
  }

  /** Ends the receiver's sleep for good. */
  stop(): void {
    Atomics.store(this.words, STOPPED, 1);
    Atomics.add(this.words, SEQ, 1);
    Atomics.notify(this.words, SEQ);
  }
}
