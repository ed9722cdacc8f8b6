/**
 * SharedRing: a bounded single-producer / single-consumer ring of
 * variable-size byte records in one SharedArrayBuffer, shared by two threads.
 *
 * Layout (all integers little-endian int32, accessed with Atomics):
 *
 *   byte 0          64              128                      128 + capacityBytes
 *   +---------------+---------------+--------------------------+
 *   | writer fields | reader fields |  data (capacityBytes)    |
 *   +---------------+---------------+--------------------------+
 *
 *   offset  name            written by  meaning
 *   0       WRITE_POS       writer      bytes ever written, mod 2^32 (free-running)
 *   4       WRITE_COUNT     writer      records ever written, mod 2^32
 *   8       WRITER_WAITING  both        writer sets 1 before sleeping on SPACE_SEQ;
 *                                       the reader CASes it 1 -> 0 and notifies
 *   12      CLOSED          writer      1 once the writer will write no more
 *   64      READ_POS        reader      bytes ever consumed, mod 2^32 (the writer
 *                                       moves it only to rewind, see below)
 *   68      READ_COUNT      reader      records ever consumed, mod 2^32
 *   72      SPACE_SEQ       reader      bumped (and notified) when space frees up
 *                                       while the writer waits
 *
 *   Writer and reader fields sit on separate 64-byte cache lines.
 *
 * Data area: records packed back to back, each starting 8-byte aligned at
 * `pos & (capacityBytes - 1)`:
 *
 *   +0  int32  bodyBytes   length of the body, or PAD (-1): skip to the start of the data area
 *   +4  int32  tag         caller's record kind
 *   +8  body   bodyBytes bytes, then zero to 7 bytes of padding up to 8-byte alignment
 *
 * A record never wraps: if it does not fit before the end of the data area,
 * the writer writes a PAD header there and the record starts at offset 0.
 * One record is at most `maxRecordBytes` (capacityBytes - 8): an empty ring
 * always takes it (see the rewind), a fuller one when it has the room.
 * Bigger payloads take another path (see the actor host).
 *
 * Empty/full rule: used = WRITE_POS - READ_POS (mod 2^32); the ring is empty
 * when used == 0. A record of n aligned bytes (header included) may be
 * written when used + n (+ the skipped tail, when it must wrap) <= capacityBytes
 * and WRITE_COUNT - READ_COUNT < maxRecords. The writer publishes a record by
 * storing WRITE_POS after the bytes are in place; the reader releases it by
 * storing READ_POS after it is done with the bytes. Each side only ever
 * stores its own fields, plus the WRITER_WAITING handshake and the rewind.
 *
 * Rewind: the first record written into an empty ring goes to offset 0,
 * where the previous run of records began: a writer that the reader keeps
 * up with reuses the front of the ring, which stays in cache, instead of
 * moving on into memory that is cold. The writer writes a PAD at the write
 * position and the record at 0, then moves READ_POS over the skipped tail
 * with a compare-and-swap from WRITE_POS (the reader stores READ_POS only
 * after a record, and there is none), then publishes WRITE_POS. Until that
 * store READ_POS is ahead of WRITE_POS; so the reader loads WRITE_POS before
 * READ_POS and takes the ring as empty unless WRITE_POS - READ_POS, as a
 * signed int32, is positive. Had the CAS failed, the PAD still leads the
 * reader to the record.
 */

import { copyBytes } from './shared-copy.js';
import { noSpin, type SpinBudget } from './spin.js';
import { waitAsync } from './wait-async.js';

const WRITE_POS = 0;
const WRITE_COUNT = 1;
const WRITER_WAITING = 2;
const CLOSED = 3;
const READ_POS = 16;
const READ_COUNT = 17;
const SPACE_SEQ = 18;

export const RING_HEADER_BYTES = 128;
const RECORD_HEADER_BYTES = 8;
const PAD = -1;

export interface SharedRingOptions {
  /** Data area size; a power of two, at least 64. */
  capacityBytes: number;
  /** Most records in flight at once. */
  maxRecords?: number;
}

/** What a SharedRing needs to be rebuilt on another thread (structured-clone friendly). */
export interface SharedRingHandle {
  readonly buffer: SharedArrayBuffer;
  readonly maxRecords: number;
}

/** Reader callback: return false to leave the record (and all after it) in the ring for later. */
export type RecordVisitor = (tag: number, body: Uint8Array) => boolean;

export class SharedRing {
  readonly capacityBytes: number;
  readonly maxRecords: number;
  readonly maxRecordBytes: number;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly dataView: DataView;
  private readonly mask: number;
  /** Set by `reserve` when the record rewinds: the WRITE_POS it starts from. */
  private rewindFrom: number | undefined;

  static create(options: SharedRingOptions): SharedRing {
    const { capacityBytes } = options;
    if (!Number.isInteger(capacityBytes) || capacityBytes < 64 || capacityBytes > 1 << 30 || (capacityBytes & (capacityBytes - 1)) !== 0) {
      throw new RangeError(`ring capacityBytes must be a power of two in [64, 2^30], got ${capacityBytes}`);
    }
    const maxRecords = options.maxRecords ?? capacityBytes / RECORD_HEADER_BYTES;
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError(`ring maxRecords must be a positive integer, got ${maxRecords}`);
    return new SharedRing({ buffer: new SharedArrayBuffer(RING_HEADER_BYTES + capacityBytes), maxRecords });
  }

  constructor(handle: SharedRingHandle) {
    this.capacityBytes = handle.buffer.byteLength - RING_HEADER_BYTES;
    this.maxRecords = handle.maxRecords;
    this.maxRecordBytes = this.capacityBytes - RECORD_HEADER_BYTES;
    this.control = new Int32Array(handle.buffer, 0, RING_HEADER_BYTES / 4);
    this.data = new Uint8Array(handle.buffer, RING_HEADER_BYTES, this.capacityBytes);
    this.dataView = new DataView(handle.buffer, RING_HEADER_BYTES, this.capacityBytes);
    this.mask = this.capacityBytes - 1;
  }

  get handle(): SharedRingHandle {
    return { buffer: this.control.buffer as SharedArrayBuffer, maxRecords: this.maxRecords };
  }

  /** Bytes in use (records, headers, padding). */
  get depthBytes(): number {
    return Math.max(0, this.unread());
  }

  /** Records waiting to be read. */
  get depthRecords(): number {
    return (Atomics.load(this.control, WRITE_COUNT) - Atomics.load(this.control, READ_COUNT)) >>> 0;
  }

  get isEmpty(): boolean {
    return this.unread() <= 0;
  }

  /** WRITE_POS - READ_POS as loaded by the reader: WRITE_POS first, and negative during a rewind (see the layout). */
  private unread(): number {
    const writePos = Atomics.load(this.control, WRITE_POS);
    return (writePos - Atomics.load(this.control, READ_POS)) | 0;
  }

  get isClosed(): boolean {
    return Atomics.load(this.control, CLOSED) === 1;
  }

  // ---- writer side ----

  /**
   * Copies `parts` (concatenated) into the ring as one record.
   * Returns false, writing nothing, when the ring lacks room right now.
   * Throws RangeError when the record could never fit (bigger than maxRecordBytes).
   */
  tryWrite(tag: number, parts: readonly Uint8Array[]): boolean {
    let bodyBytes = 0;
    for (const part of parts) bodyBytes += part.byteLength;
    if (bodyBytes > this.maxRecordBytes) throw new RangeError(`record of ${bodyBytes} bytes exceeds the ring's maxRecordBytes ${this.maxRecordBytes}`);
    const writePos = Atomics.load(this.control, WRITE_POS);
    const start = this.reserve(writePos, align8(RECORD_HEADER_BYTES + bodyBytes));
    if (start === undefined) return false;
    let at = (start & this.mask) + RECORD_HEADER_BYTES;
    for (const part of parts) {
      copyBytes(part, this.data, at);
      at += part.byteLength;
    }
    this.publish(start, tag, bodyBytes);
    return true;
  }

  /**
   * Reserves a record of `bodyBytes` and lets `fill` write the body in place
   * (into a view of the shared memory), for callers that encode directly.
   */
  tryWriteWith(tag: number, bodyBytes: number, fill: (body: Uint8Array) => void): boolean {
    if (bodyBytes > this.maxRecordBytes) throw new RangeError(`record of ${bodyBytes} bytes exceeds the ring's maxRecordBytes ${this.maxRecordBytes}`);
    const writePos = Atomics.load(this.control, WRITE_POS);
    const start = this.reserve(writePos, align8(RECORD_HEADER_BYTES + bodyBytes));
    if (start === undefined) return false;
    const offset = (start & this.mask) + RECORD_HEADER_BYTES;
    fill(this.data.subarray(offset, offset + bodyBytes));
    this.publish(start, tag, bodyBytes);
    return true;
  }

  /** True when a record of `bodyBytes` could be written now. */
  hasRoomFor(bodyBytes: number): boolean {
    return this.reserve(Atomics.load(this.control, WRITE_POS), align8(RECORD_HEADER_BYTES + bodyBytes)) !== undefined;
  }

  /**
   * Resolves once the reader has freed space (or as soon as a record of
   * `bodyBytes` fits, polled for the spin budget first). The caller retries
   * its write afterwards.
   */
  async waitForRoom(bodyBytes: number, timeoutMs = Infinity, spin: SpinBudget = noSpin): Promise<void> {
    const start = performance.now();
    if (await spin.spin(() => this.hasRoomFor(bodyBytes))) {
      spin.waited((performance.now() - start) * 1000);
      return;
    }
    const seq = Atomics.load(this.control, SPACE_SEQ);
    Atomics.store(this.control, WRITER_WAITING, 1);
    if (!this.hasRoomFor(bodyBytes)) await waitAsync(this.control, SPACE_SEQ, seq, timeoutMs);
    spin.waited((performance.now() - start) * 1000);
  }

  /** Tells the reader no more records will come. */
  close(): void {
    Atomics.store(this.control, CLOSED, 1);
  }

  /**
   * Start position of the record (free-running, so any int32, negative after
   * 2 GiB), or undefined when it does not fit now. Writes the PAD header when wrapping
   * or rewinding.
   */
  private reserve(writePos: number, recordBytes: number): number | undefined {
    this.rewindFrom = undefined;
    const used = (writePos - Atomics.load(this.control, READ_POS)) >>> 0;
    if (((Atomics.load(this.control, WRITE_COUNT) - Atomics.load(this.control, READ_COUNT)) >>> 0) >= this.maxRecords) return undefined;
    const offset = writePos & this.mask;
    const tail = this.capacityBytes - offset;
    if (used === 0 && offset !== 0) this.rewindFrom = writePos;
    if (recordBytes <= tail && this.rewindFrom === undefined) return used + recordBytes <= this.capacityBytes ? writePos : undefined;
    // A rewind skips the tail without using it up (see the layout), so its record always fits.
    if (this.rewindFrom === undefined && used + tail + recordBytes > this.capacityBytes) return undefined;
    // The pad header is only visible to the reader once WRITE_POS moves past it.
    this.dataView.setInt32(offset, PAD, true);
    return (writePos + tail) >>> 0;
  }

  private publish(start: number, tag: number, bodyBytes: number): void {
    const offset = start & this.mask;
    this.dataView.setInt32(offset, bodyBytes, true);
    this.dataView.setInt32(offset + 4, tag, true);
    const recordBytes = align8(RECORD_HEADER_BYTES + bodyBytes);
    if (this.rewindFrom !== undefined) Atomics.compareExchange(this.control, READ_POS, this.rewindFrom, start);
    Atomics.add(this.control, WRITE_COUNT, 1);
    // Storing WRITE_POS last publishes the bytes (Atomics are sequentially consistent).
    Atomics.store(this.control, WRITE_POS, (start + recordBytes) | 0);
  }

  // ---- reader side ----

  /**
   * Hands each waiting record to `visit` (the body is a view into shared
   * memory, valid only during the call), up to `maxRecords`. Stops early when
   * `visit` returns false, leaving that record in place. Returns the count read.
   */
  read(visit: RecordVisitor, maxRecords = Infinity): number {
    const writePos = Atomics.load(this.control, WRITE_POS);
    let readPos = Atomics.load(this.control, READ_POS);
    let count = 0;
    while (((writePos - readPos) | 0) > 0 && count < maxRecords) {
      let offset = readPos & this.mask;
      let bodyBytes = this.dataView.getInt32(offset, true);
      if (bodyBytes === PAD) {
        readPos = (readPos + this.capacityBytes - offset) | 0;
        offset = 0;
        bodyBytes = this.dataView.getInt32(0, true);
      }
      const tag = this.dataView.getInt32(offset + 4, true);
      const bodyStart = offset + RECORD_HEADER_BYTES;
      if (!visit(tag, this.data.subarray(bodyStart, bodyStart + bodyBytes))) break;
      readPos = (readPos + align8(RECORD_HEADER_BYTES + bodyBytes)) | 0;
      count++;
      Atomics.store(this.control, READ_POS, readPos);
      Atomics.add(this.control, READ_COUNT, 1);
      // Per record, not per pass: a writer waiting for room should not wait for a whole pass over big records.
      this.wakeWriter();
    }
    return count;
  }

  private wakeWriter(): void {
    if (Atomics.load(this.control, WRITER_WAITING) === 1 && Atomics.compareExchange(this.control, WRITER_WAITING, 1, 0) === 1) {
      Atomics.add(this.control, SPACE_SEQ, 1);
      Atomics.notify(this.control, SPACE_SEQ);
    }
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
