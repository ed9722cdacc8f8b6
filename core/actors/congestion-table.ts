/**
 * CongestionTable: which actors of a thread have a full mailbox, readable by
 * every thread that sends to them, so that a full mailbox back-pressures its
 * own senders only (the ring it arrives on keeps flowing for everyone else).
 *
 * Layout: CONGESTION_SLOTS little-endian int32 counters at `byteOffset` of
 * the receiving thread's doorbell buffer (see doorbell.ts), which every peer
 * already holds. slot = stableHash(actor name) % CONGESTION_SLOTS.
 *
 *   written by  the receiving thread only: +1 when one of its actors hashed to
 *               the slot starts parking messages (its mailbox was full), -1 and
 *               a notify once that actor's parked messages are all in its mailbox
 *   read by     senders: a slot above 0 means "hold messages to actors hashed
 *               here" (tell answers 'full', send and ask wait for the notify)
 *
 * The table is a hint, never the guarantee: a message already on its way when
 * the slot rises is parked by the receiver (bounded by the rings' capacity),
 * and two actors sharing a slot only make one's senders wait for the other's
 * backlog. Nothing is lost or reordered either way.
 */
import { stableHash } from './placement.js';
import { waitAsync } from './wait-async.js';

const CONGESTION_SLOTS = 1024;
export const CONGESTION_TABLE_BYTES = CONGESTION_SLOTS * 4;

export class CongestionTable {
  private readonly slots: Int32Array;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.slots = new Int32Array(buffer, byteOffset, CONGESTION_SLOTS);
  }

  static slotOf(actor: string): number {
    return stableHash(actor) % CONGESTION_SLOTS;
  }

  isCongested(slot: number): boolean {
    return Atomics.load(this.slots, slot) > 0;
  }

  /** Receiver: an actor hashed to `slot` parks messages from now on. */
  raise(slot: number): void {
    Atomics.add(this.slots, slot, 1);
  }

  /** Receiver: that actor's parked messages are all in its mailbox; wakes the senders waiting on the slot. */
  lower(slot: number): void {
    Atomics.sub(this.slots, slot, 1);
    Atomics.notify(this.slots, slot);
  }

  /** Sender: resolves once the slot changed (or after `timeoutMs`, so a lost wake-up only delays). */
  async changed(slot: number, timeoutMs: number): Promise<void> {
    const value = Atomics.load(this.slots, slot);
    if (value > 0) await waitAsync(this.slots, slot, value, timeoutMs);
  }
}
