import { gunzipSync, gzipSync } from 'node:zlib';
import { ProtocolError } from '../protocol-error.js';
import { corruptData, maxDecompressedBytes, type DecompressOptions } from './decompression-limit.js';

/** Java's GZIPOutputStream uses Deflater.DEFAULT_COMPRESSION, i.e. level 6. */
export function gzipCompress(data: Buffer, level = 6): Buffer {
  return gzipSync(data, { level });
}

/** zlib stops as soon as the output passes the limit, so a bomb never allocates past it. */
export function gzipDecompress(data: Buffer, options?: DecompressOptions): Buffer {
  const limit = maxDecompressedBytes(options);
  try {
    return gunzipSync(data, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProtocolError(`gzip data expands to more than ${limit} bytes`, 'records');
    }
    throw corruptData('gzip', error);
  }
}
