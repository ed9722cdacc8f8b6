import type { LogFile } from './log-file-system.js';

/**
 * The two sparse indexes of a segment, in Kafka's file formats (big-endian):
 * - offset index (`.index`), 8-byte entries: relativeOffset int32, position int32
 *   — the batch at `position` ends at baseOffset + relativeOffset;
 * - time index (`.timeindex`), 12-byte entries: timestamp int64, relativeOffset int32
 *   — no record before that offset has a larger timestamp.
 * Both are a sorted list of (key, value) with keys strictly increasing and values
 * non-decreasing, looked up by "largest key <= target". Entries live in memory
 * and reach the file on `persist` (at roll, flush of a rolled segment, close);
 * after a crash, recovery rebuilds the indexes of unflushed segments, as Kafka does.
 */
export interface IndexFormat {
  readonly entrySize: number;
  readonly keySize: 4 | 8;
}
export const OffsetIndexFormat: IndexFormat = { entrySize: 8, keySize: 4 };
export const TimeIndexFormat: IndexFormat = { entrySize: 12, keySize: 8 };

export class SparseIndex {
  private keys: Float64Array;
  private values: Int32Array;
  private count = 0;
  /** Entries already in the file; the rest are written by the next persist. */
  private persistedCount = 0;
  private fileNeedsTruncate = false;

  constructor(
    readonly format: IndexFormat,
    /** segment.index.bytes / entrySize: a full index makes the segment roll. */
    readonly maxEntries: number,
    initialCapacity = 64,
  ) {
    this.keys = new Float64Array(initialCapacity);
    this.values = new Int32Array(initialCapacity);
  }

  get entries(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get lastKey(): number | undefined {
    return this.count === 0 ? undefined : this.keys[this.count - 1];
  }
  get lastValue(): number | undefined {
    return this.count === 0 ? undefined : this.values[this.count - 1];
  }
  keyAt(i: number): number {
    return this.keys[i]!;
  }
  valueAt(i: number): number {
    return this.values[i]!;
  }

  /** Appends in O(1) amortised; the caller keeps keys increasing. */
  append(key: number, value: number): void {
    if (this.count === this.keys.length) this.grow();
    this.keys[this.count] = key;
    this.values[this.count] = value;
    this.count++;
  }

  /** Index of the last entry whose key is <= target, or -1. */
  floorIndex(target: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Drops every entry whose value is >= `value` (values are non-decreasing). */
  truncateFromValue(value: number): void {
    let n = this.count;
    while (n > 0 && this.values[n - 1]! >= value) n--;
    this.truncateToEntries(n);
  }

  truncateToEntries(n: number): void {
    if (n >= this.count) return;
    this.count = n;
    if (n < this.persistedCount) {
      this.persistedCount = n;
      this.fileNeedsTruncate = true;
    }
  }

  /** Writes the entries the file lacks, in one write. */
  persist(file: LogFile): void {
    const size = this.format.entrySize;
    if (this.fileNeedsTruncate) {
      // Skip the no-op truncate of a new file: ext4 treats truncate-to-zero as a file replacement.
      if (file.size() !== this.persistedCount * size) file.truncate(this.persistedCount * size);
      this.fileNeedsTruncate = false;
    }
    if (this.persistedCount === this.count) return;
    const bytes = this.encode(this.persistedCount, this.count);
    file.write(bytes, 0, bytes.length, this.persistedCount * size);
    this.persistedCount = this.count;
  }

  /** Marks every entry as unwritten, for a file that was recreated empty. */
  markUnpersisted(): void {
    this.persistedCount = 0;
    this.fileNeedsTruncate = true;
  }

  encode(from = 0, to = this.count): Buffer {
    const { entrySize, keySize } = this.format;
    const out = Buffer.allocUnsafe((to - from) * entrySize);
    for (let i = from; i < to; i++) {
      const at = (i - from) * entrySize;
      if (keySize === 4) out.writeInt32BE(this.keys[i]!, at);
      else out.writeBigInt64BE(BigInt(this.keys[i]!), at);
      out.writeInt32BE(this.values[i]!, at + keySize);
    }
    return out;
  }

  /**
   * Reads an index file's bytes; returns null when they fail Kafka's sanity
   * checks (size not a multiple of the entry size, keys not increasing, values
   * decreasing or at/after `valueLimit`), so the caller rebuilds from the log.
   */
  static decode(format: IndexFormat, maxEntries: number, bytes: Buffer, valueLimit: number): SparseIndex | null {
    const { entrySize, keySize } = format;
    if (bytes.length % entrySize !== 0) return null;
    const n = bytes.length / entrySize;
    const index = new SparseIndex(format, maxEntries, Math.max(64, n));
    let lastKey = -Infinity;
    let lastValue = -1;
    for (let i = 0; i < n; i++) {
      const at = i * entrySize;
      const key = keySize === 4 ? bytes.readInt32BE(at) : Number(bytes.readBigInt64BE(at));
      const value = bytes.readInt32BE(at + keySize);
      if (key <= lastKey || value < lastValue || value < 0 || value >= valueLimit || (keySize === 4 && key < 0)) return null;
      index.append(key, value);
      lastKey = key;
      lastValue = value;
    }
    index.persistedCount = n;
    return index;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const values = new Int32Array(this.values.length * 2);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }
}
