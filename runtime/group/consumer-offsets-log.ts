/**
 * What a group coordinator needs from the partitions of __consumer_offsets:
 * append a batch as the partition's leader and learn when it is committed,
 * and read the partition from the start to load. The broker's replica manager
 * provides it (`replica-offsets-log.ts`); tests may provide their own.
 */
export interface ConsumerOffsetsLog {
  /**
   * Appends one record batch (v2, uncompressed) to `__consumer_offsets-<partition>`
   * on this node, the leader. Resolves once the high watermark has passed the
   * batch (acks=all); rejects when it cannot be appended or is not committed
   * within `timeoutMs`, after which the coordinator reloads from the log.
   */
  append(partition: number, batch: Buffer, timeoutMs: number): Promise<void>;
  /**
   * Whole batches from `fromOffset` up to the high watermark (at most about
   * `maxBytes`), and the offset to read next; no bytes once caught up.
   */
  read(partition: number, fromOffset: bigint, maxBytes: number): Promise<{ batches: Buffer; nextOffset: bigint }>;
}
