import { ProtocolError } from '../protocol-error.js';

/**
 * Default cap on the bytes one compressed record set may expand to. A batch is
 * at most `message.max.bytes` (1 MiB by default) on the wire; 64 MiB leaves
 * room for highly compressible data while refusing a decompression bomb.
 */
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface DecompressOptions {
  /** Refuse to produce more than this many bytes. */
  maxDecompressedBytes?: number;
  /**
   * The caller reads the result at once (as the record validator does): a
   * codec may then return a view of a buffer it reuses, valid until its next
   * call on this thread, instead of a copy.
   */
  reuseOutput?: boolean;
}

export function maxDecompressedBytes(options: DecompressOptions | undefined): number {
  return options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
}

/** Throws when a codec's declared or bounded output exceeds the limit, before it is allocated. */
export function checkDecompressedSize(codec: string, size: number, limit: number): void {
  if (size > limit) {
    throw new ProtocolError(`${codec} data expands to more than ${limit} bytes (${size})`, 'records');
  }
}

/** Wraps a codec library's own error (corrupt data) in the codec's typed error. */
export function corruptData(codec: string, cause: unknown): ProtocolError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ProtocolError(`corrupt ${codec} data: ${detail}`, 'records');
}
