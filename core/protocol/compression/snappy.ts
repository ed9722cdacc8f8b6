import { compressSync, uncompressSync } from 'snappy';
import { ProtocolError } from '../protocol-error.js';
import { readUnsignedVarint } from '../varint.js';
import { checkDecompressedSize, corruptData, maxDecompressedBytes, type DecompressOptions } from './decompression-limit.js';

/**
 * Snappy as Kafka clients send it. Java clients write snappy-java's stream
 * framing (below); librdkafka reads it and may write raw Snappy. We read
 * both and write the framing, as Java does.
 *
 *   0   8  magic 0x82 'SNAPPY' 0x00
 *   8   4  version (1), big-endian
 *   12  4  minimum compatible version (1), big-endian
 *   16  …  blocks: int32 big-endian length, then that many bytes of raw Snappy
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
/** snappy-java's SnappyOutputStream default block size. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function snappyCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (let position = 0; position < data.length; position += XERIAL_BLOCK_SIZE) {
    const block = compressSync(data.subarray(position, position + XERIAL_BLOCK_SIZE));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(data: Buffer, options?: DecompressOptions): Buffer {
  const limit = maxDecompressedBytes(options);
  if (!isXerialFramed(data)) {
    checkDecompressedSize('snappy', rawUncompressedLength(data), limit);
    return uncompressRaw(data);
  }
  const blocks: Buffer[] = [];
  let total = 0;
  let position = XERIAL_HEADER_SIZE;
  while (position < data.length) {
    if (data.length - position < 4) throw new ProtocolError('truncated snappy block length', 'records');
    const length = data.readInt32BE(position);
    position += 4;
    if (length < 0 || length > data.length - position) {
      throw new ProtocolError(`snappy block of ${length} bytes, ${data.length - position} left`, 'records');
    }
    const block = data.subarray(position, position + length);
    position += length;
    total += rawUncompressedLength(block);
    checkDecompressedSize('snappy', total, limit);
    blocks.push(uncompressRaw(block));
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_VERSION, 12);
  return header;
}

/** Raw Snappy starts with the uncompressed length as an unsigned varint: check it before allocating. */
function rawUncompressedLength(block: Buffer): number {
  return readUnsignedVarint(block, { position: 0 });
}

function uncompressRaw(block: Buffer): Buffer {
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (error) {
    throw corruptData('snappy', error);
  }
}
