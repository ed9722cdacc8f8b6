import { crc32c } from '@node-rs/crc32';
import { ProtocolError } from './protocol-error.js';

/**
 * The 61-byte header of a magic-v2 record batch, read in place from the bytes
 * it arrived in. Nothing here decodes records: the broker's hot path looks only
 * at these fields.
 *
 *   offset  size  field                 covered by CRC
 *   0       8     baseOffset            no   (patched by the leader on append)
 *   8       4     batchLength           no   (bytes after this field)
 *   12      4     partitionLeaderEpoch  no   (patched by the leader on append)
 *   16      1     magic                 no
 *   17      4     crc                   no   (CRC-32C of bytes 21..end)
 *   21      2     attributes            yes
 *   23      4     lastOffsetDelta       yes
 *   27      8     baseTimestamp         yes
 *   35      8     maxTimestamp          yes
 *   43      8     producerId            yes
 *   51      2     producerEpoch         yes
 *   53      4     baseSequence          yes
 *   57      4     recordsCount          yes
 *   61      …     records (compressed as one block when attributes say so)
 */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const BATCH_LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof Compression)[keyof typeof Compression];

export const BatchAttribute = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

/** A view over one batch inside a larger buffer; `position` is where it starts. */
export class RecordBatchView {
  constructor(
    readonly buf: Buffer,
    readonly position: number,
  ) {}

  get baseOffset(): bigint {
    return this.buf.readBigInt64BE(this.position + BatchField.baseOffset);
  }
  get batchLength(): number {
    return this.buf.readInt32BE(this.position + BatchField.batchLength);
  }
  /** Whole batch size in bytes, including baseOffset and batchLength. */
  get sizeInBytes(): number {
    return this.batchLength + BATCH_LOG_OVERHEAD;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.position + BatchField.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.buf.readInt8(this.position + BatchField.magic);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.position + BatchField.crc);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.position + BatchField.attributes);
  }
  get compression(): number {
    return this.attributes & BatchAttribute.compressionMask;
  }
  get isTransactional(): boolean {
    return (this.attributes & BatchAttribute.transactional) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & BatchAttribute.control) !== 0;
  }
  get timestampType(): 'CreateTime' | 'LogAppendTime' {
    return (this.attributes & BatchAttribute.logAppendTime) !== 0 ? 'LogAppendTime' : 'CreateTime';
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.position + BatchField.lastOffsetDelta);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  get baseTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.position + BatchField.baseTimestamp);
  }
  get maxTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.position + BatchField.maxTimestamp);
  }
  /** KIP-534: when the cleaner set the delete-horizon flag, baseTimestamp holds the time after which its tombstones and markers may go. */
  get deleteHorizonMs(): bigint | null {
    return (this.attributes & BatchAttribute.deleteHorizon) !== 0 ? this.baseTimestamp : null;
  }
  get producerId(): bigint {
    return this.buf.readBigInt64BE(this.position + BatchField.producerId);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.position + BatchField.producerEpoch);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.position + BatchField.baseSequence);
  }
  get recordsCount(): number {
    return this.buf.readInt32BE(this.position + BatchField.recordsCount);
  }

  /** CRC-32C over attributes..end, compared with the stored crc. */
  isCrcValid(): boolean {
    const start = this.position + BatchField.attributes;
    const end = this.position + this.sizeInBytes;
    return (crc32c(this.buf.subarray(start, end)) >>> 0) === this.crc;
  }

  /** Leader-side patches: outside the CRC-covered region, so the CRC stays valid. */
  setBaseOffset(offset: bigint): void {
    this.buf.writeBigInt64BE(offset, this.position + BatchField.baseOffset);
  }
  setPartitionLeaderEpoch(epoch: number): void {
    this.buf.writeInt32BE(epoch, this.position + BatchField.partitionLeaderEpoch);
  }

  /**
   * As Kafka's setMaxTimestamp: under LogAppendTime the leader stamps the
   * append time here and readers report it for every record. Both fields are
   * CRC-covered, so the CRC is rewritten; nothing is done when they already match.
   */
  setMaxTimestamp(timestampType: 'CreateTime' | 'LogAppendTime', maxTimestamp: bigint): void {
    if (this.timestampType === timestampType && this.maxTimestamp === maxTimestamp) return;
    const attributes = timestampType === 'LogAppendTime'
      ? this.attributes | BatchAttribute.logAppendTime
      : this.attributes & ~BatchAttribute.logAppendTime;
    this.buf.writeInt16BE(attributes, this.position + BatchField.attributes);
    this.buf.writeBigInt64BE(maxTimestamp, this.position + BatchField.maxTimestamp);
    const crcRegion = this.buf.subarray(this.position + BatchField.attributes, this.position + this.sizeInBytes);
    this.buf.writeUInt32BE(crc32c(crcRegion) >>> 0, this.position + BatchField.crc);
  }

  /** The batch's own bytes (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(this.position, this.position + this.sizeInBytes);
  }
}

/**
 * Splits a `records` field into batch views, checking each header's framing
 * (length within the bytes, magic 2) but not the CRC. A trailing partial batch
 * is dropped, as Kafka does for fetch responses cut at maxBytes.
 */
export function* batchViews(buf: Buffer, options: { allowPartialTail?: boolean } = {}): Generator<RecordBatchView> {
  let position = 0;
  while (position < buf.length) {
    const left = buf.length - position;
    if (left < BATCH_HEADER_SIZE) {
      if (options.allowPartialTail) return;
      throw new ProtocolError(`record batch header needs ${BATCH_HEADER_SIZE} bytes, ${left} left`, 'records');
    }
    const view = new RecordBatchView(buf, position);
    const size = view.sizeInBytes;
    if (view.batchLength < BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD) {
      throw new ProtocolError(`record batch length ${view.batchLength} is below the header size`, 'records');
    }
    if (size > left) {
      if (options.allowPartialTail) return;
      throw new ProtocolError(`record batch of ${size} bytes, only ${left} left`, 'records');
    }
    if (view.magic !== CURRENT_MAGIC) {
      throw new ProtocolError(`record batch magic ${view.magic} is not supported`, 'records');
    }
    yield view;
    position += size;
  }
}
