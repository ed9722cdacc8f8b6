/** Kafka names segment files after their base offset, zero-padded to 20 digits. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** A compacted segment being written; deleted if found at start-up. */
export const CLEANED_SUFFIX = '.cleaned';
/** A segment file waiting for the file-deletion task; removed at start-up. */
export const DELETED_SUFFIX = '.deleted';
/** A compacted segment ready to replace the original; completed at start-up. */
export const SWAP_SUFFIX = '.swap';

export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return `${baseOffset.toString().padStart(20, '0')}${suffix}`;
}

/** The base offset of a `<20 digits><suffix>` name, or null for any other name. */
export function parseSegmentFileName(name: string, suffix: string): bigint | null {
  if (!name.endsWith(suffix)) return null;
  const digits = name.slice(0, name.length - suffix.length);
  return /^\d{20}$/.test(digits) ? BigInt(digits) : null;
}
