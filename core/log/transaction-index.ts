/**
 * Kafka's transaction index: per segment, `<baseOffset 20 digits>.txnindex`
 * lists the transactions aborted by a marker in that segment, so a
 * read_committed Fetch can tell the consumer which producers' records to drop
 * without reading the log. Each entry is 34 bytes:
 *
 * ```
 * version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 * ```
 *
 * `lastOffset` is the abort marker's offset; `lastStableOffset` the partition's
 * LSO once it was written. An entry belongs to the segment holding its marker.
 * A torn tail (kill -9 mid-write) is ignored on load; the partition then
 * rebuilds the entries past its recovery point from the log.
 */
import { joinPath, readWholeFile, type LogFile, type LogFileSystem } from './log-file-system.js';
import { parseSegmentFileName, segmentFileName } from './segment-file-name.js';

export const TXN_INDEX_SUFFIX = '.txnindex';
const ENTRY_SIZE = 34;
const VERSION = 0;

export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  /** The abort marker's offset. */
  readonly lastOffset: bigint;
  readonly lastStableOffset: bigint;
}

export function encodeAbortedTxn(entry: AbortedTxn): Buffer {
  const buf = Buffer.allocUnsafe(ENTRY_SIZE);
  buf.writeInt16BE(VERSION, 0);
  buf.writeBigInt64BE(entry.producerId, 2);
  buf.writeBigInt64BE(entry.firstOffset, 10);
  buf.writeBigInt64BE(entry.lastOffset, 18);
  buf.writeBigInt64BE(entry.lastStableOffset, 26);
  return buf;
}

/** The whole entries of a file; a partial or unknown-version entry ends it (what follows was never written whole). */
export function decodeTransactionIndex(buf: Buffer): AbortedTxn[] {
  const entries: AbortedTxn[] = [];
  for (let at = 0; at + ENTRY_SIZE <= buf.length; at += ENTRY_SIZE) {
    if (buf.readInt16BE(at) !== VERSION) break;
    entries.push({ producerId: buf.readBigInt64BE(at + 2), firstOffset: buf.readBigInt64BE(at + 10), lastOffset: buf.readBigInt64BE(at + 18), lastStableOffset: buf.readBigInt64BE(at + 26) });
  }
  return entries;
}

/**
 * The aborted transactions of one partition's log, with a `.txnindex` file
 * per segment that has any. The owner keeps it in step with the log: `add` at
 * each abort marker, `truncateFrom` after a truncation, `retainSegments`
 * after retention or DeleteRecords, `sync` before the segments it covers are
 * flushed.
 */
export class TransactionIndex {
  /** Entries by the base offset of the segment holding their marker, each list in offset order. */
  private readonly bySegment = new Map<bigint, AbortedTxn[]>();
  private readonly unsynced = new Set<bigint>();
  /** The offsets of the abort markers indexed, so a replay adds only the missing ones. */
  private readonly markerOffsets = new Set<bigint>();

  private constructor(
    /** null: kept in memory only (a log opened without its file system, in tests and benches). */
    private readonly fs: LogFileSystem | null,
    private readonly dir: string,
  ) {}

  static inMemory(): TransactionIndex {
    return new TransactionIndex(null, '');
  }

  /** Reads the index files of `segmentBaseOffsets`; files of other (deleted) segments are removed. */
  static load(fs: LogFileSystem, dir: string, segmentBaseOffsets: readonly bigint[]): TransactionIndex {
    const index = new TransactionIndex(fs, dir);
    const bases = new Set(segmentBaseOffsets);
    for (const name of fs.list(dir)) {
      const base = parseSegmentFileName(name, TXN_INDEX_SUFFIX);
      if (base === null) continue;
      const path = joinPath(dir, name);
      if (!bases.has(base)) {
        fs.unlink(path);
        continue;
      }
      const entries = decodeTransactionIndex(readWholeFile(fs, path));
      if (entries.length > 0) index.bySegment.set(base, entries);
      for (const entry of entries) index.markerOffsets.add(entry.lastOffset);
    }
    return index;
  }

  /** Every entry, in marker order. */
  all(): AbortedTxn[] {
    return [...this.bySegment.keys()].sort(compareBigint).flatMap((base) => this.bySegment.get(base)!);
  }

  /** Records an aborted transaction in the segment starting at `segmentBaseOffset` (the one its marker went to). */
  add(segmentBaseOffset: bigint, entry: AbortedTxn): void {
    let entries = this.bySegment.get(segmentBaseOffset);
    if (entries === undefined) this.bySegment.set(segmentBaseOffset, (entries = []));
    const bytes = encodeAbortedTxn(entry);
    this.withFile(segmentBaseOffset, (file) => file.write(bytes, 0, bytes.length, entries.length * ENTRY_SIZE));
    entries.push(entry);
    this.markerOffsets.add(entry.lastOffset);
    this.unsynced.add(segmentBaseOffset);
  }

  hasMarkerAt(offset: bigint): boolean {
    return this.markerOffsets.has(offset);
  }

  /**
   * The transactions aborted in [fetchOffset, upperBoundOffset): those whose
   * marker is at or after `fetchOffset` and that began before the bound, as
   * Kafka's collectAbortedTxns hands them to a read_committed consumer.
   */
  collect(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    const found: AbortedTxn[] = [];
    for (const base of [...this.bySegment.keys()].sort(compareBigint)) {
      for (const entry of this.bySegment.get(base)!) if (entry.lastOffset >= fetchOffset && entry.firstOffset < upperBoundOffset) found.push(entry);
    }
    return found;
  }

  /** Drops the entries whose marker is at or past `offset` (the log was truncated there, or they are being rebuilt). */
  truncateFrom(offset: bigint): void {
    for (const [base, entries] of this.bySegment) {
      const kept = entries.filter((e) => e.lastOffset < offset);
      if (kept.length === entries.length) continue;
      for (const e of entries) if (e.lastOffset >= offset) this.markerOffsets.delete(e.lastOffset);
      if (kept.length === 0) {
        this.bySegment.delete(base);
        this.unsynced.delete(base);
        this.fs?.unlink(joinPath(this.dir, segmentFileName(base, TXN_INDEX_SUFFIX)));
        continue;
      }
      this.bySegment.set(base, kept);
      this.withFile(base, (file) => file.truncate(kept.length * ENTRY_SIZE));
      this.unsynced.add(base);
    }
  }

  /** Removes the index of every segment no longer in the log (retention, DeleteRecords, truncation). */
  retainSegments(segmentBaseOffsets: readonly bigint[]): void {
    const bases = new Set(segmentBaseOffsets);
    for (const base of [...this.bySegment.keys()]) {
      if (bases.has(base)) continue;
      for (const e of this.bySegment.get(base)!) this.markerOffsets.delete(e.lastOffset);
      this.bySegment.delete(base);
      this.unsynced.delete(base);
      this.fs?.unlink(joinPath(this.dir, segmentFileName(base, TXN_INDEX_SUFFIX)));
    }
  }

  /** Makes the entries written since the last sync durable. */
  sync(): void {
    for (const base of this.unsynced) this.withFile(base, (file) => file.sync());
    this.unsynced.clear();
  }

  private withFile(base: bigint, use: (file: LogFile) => void): void {
    if (this.fs === null) return;
    const file = this.fs.open(joinPath(this.dir, segmentFileName(base, TXN_INDEX_SUFFIX)), { create: true });
    try {
      use(file);
    } finally {
      file.close();
    }
  }
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
