import type { KeyValue, StateStore } from './state-store.js';

// The innermost layer is bytes, as in Kafka Streams: serdes live in the typed
// layer above, so a changelogging or LMDB layer wraps these interfaces
// without knowing the application's types.
export interface KeyValueBytesStore extends StateStore {
  get(key: Buffer): Buffer | undefined;
  /** A null value deletes the key (a tombstone, as the changelog will write it). */
  put(key: Buffer, value: Buffer | null): void;
  delete(key: Buffer): Buffer | undefined;
  /** Entries with from <= key <= to in byte order (Kafka's range is inclusive at both ends). */
  range(from: Buffer, to: Buffer): KeyValue<Buffer, Buffer>[];
  all(): KeyValue<Buffer, Buffer>[];
  approximateNumEntries(): number;
}

export interface WindowBytesEntry {
  readonly key: Buffer;
  readonly windowStartMs: number;
  readonly value: Buffer;
}

export interface WindowBytesStore extends StateStore {
  readonly retentionPeriodMs: number;
  readonly windowSizeMs: number;
  /** A null value deletes the window. Windows older than the retention are not stored. */
  put(key: Buffer, value: Buffer | null, windowStartMs: number): void;
  fetch(key: Buffer, windowStartMs: number): Buffer | undefined;
  /** Windows of one key with timeFrom <= start <= timeTo, in start order. */
  fetchRange(key: Buffer, timeFromMs: number, timeToMs: number): WindowBytesEntry[];
  all(): WindowBytesEntry[];
}
