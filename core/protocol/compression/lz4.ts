import { compressFrameSync } from 'lz4-napi';
import { decodeLz4Frames } from './lz4-frame-decoder.js';
import { maxDecompressedBytes, type DecompressOptions } from './decompression-limit.js';

/**
 * LZ4 in the frame format (magic 0x184D2204), which Kafka uses for magic v2.
 * lz4-napi writes independent blocks, which Kafka's Java reader requires.
 */
export function lz4Compress(data: Buffer): Buffer {
  return compressFrameSync(data);
}

/**
 * Decoded into one buffer per thread, grown to the largest output needed so
 * far (at most the decompression limit) and reused: fresh memory is slow to
 * touch on our VMs (DESIGN.md, performance rules).
 */
let scratch = Buffer.alloc(0);

export function lz4Decompress(data: Buffer, options?: DecompressOptions): Buffer {
  const limit = maxDecompressedBytes(options);
  let output = scratch.subarray(0, Math.min(scratch.length, limit));
  // The decoder asks for room block by block as it walks the frames (once).
  const length = decodeLz4Frames(data, output, (needed, used) => {
    if (scratch.length < Math.min(needed, limit)) {
      const grown = Buffer.allocUnsafeSlow(Math.min(Math.max(needed, 2 * scratch.length), limit));
      output.copy(grown, 0, 0, used);
      scratch = grown;
    }
    output = scratch.subarray(0, Math.min(scratch.length, limit));
    return output;
  });
  const decoded = output.subarray(0, length);
  return options?.reuseOutput === true ? decoded : Buffer.from(decoded);
}
