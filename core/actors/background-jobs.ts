/**
 * Stateless jobs for the background pool (piscina workers). Each job takes
 * and returns transferable data only; nothing here keeps state between calls.
 */
import { crc32c } from '@node-rs/crc32';

export interface Crc32cJob {
  readonly bytes: ArrayBuffer;
}

/** CRC-32C of a large buffer, off the calling thread. */
export function crc32cJob({ bytes }: Crc32cJob): number {
  return crc32c(Buffer.from(bytes)) >>> 0;
}
