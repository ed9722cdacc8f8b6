import { Compression, type CompressionCodec } from '../record-batch-header.js';
import { ProtocolError } from '../protocol-error.js';
import type { DecompressOptions } from './decompression-limit.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress, zstdDecompressSync } from './zstd.js';

export interface CompressOptions {
  /** Codec level (gzip 1–9, zstd 1–22); snappy and lz4 have none here. */
  level?: number;
}

/** Compresses a record set (the bytes after a batch's 61-byte header) as one block. */
export async function compressRecords(codec: CompressionCodec, records: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  switch (codec) {
    case Compression.none:
      return records;
    case Compression.gzip:
      return gzipCompress(records, options.level);
    case Compression.snappy:
      return snappyCompress(records);
    case Compression.lz4:
      return lz4Compress(records);
    case Compression.zstd:
      return zstdCompress(records, options.level);
    default:
      return unknownCodec(codec);
  }
}

/** The inverse of compressRecords, refusing output above the configured limit. */
export async function decompressRecords(codec: number, data: Buffer, options?: DecompressOptions): Promise<Buffer> {
  return decompressRecordsSync(codec, data, options) ?? zstdDecompress(data, options);
}

function unknownCodec(codec: never): never {
  throw new ProtocolError(`unknown compression codec ${String(codec)}`, 'records');
}

/** decompressRecords without a promise; undefined for zstd on a Node whose zlib has no zstd (then only async). */
export function decompressRecordsSync(codec: number, data: Buffer, options?: DecompressOptions): Buffer | undefined {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipDecompress(data, options);
    case Compression.snappy:
      return snappyDecompress(data, options);
    case Compression.lz4:
      return lz4Decompress(data, options);
    case Compression.zstd:
      return zstdDecompressSync(data, options);
    default:
      throw new ProtocolError(`unknown compression codec ${codec}`, 'records');
  }
}
