import { ProtocolError } from './protocol-error.js';
import { writeUnsignedVarint, writeVarint, writeVarlong } from './varint.js';

/** Byte slices at least this long are referenced, not copied (record batches in Fetch responses). */
const ZERO_COPY_MIN_BYTES = 4096;
const MAX_STRING_BYTES = 0x7fff;

/**
 * Writes Kafka's wire primitives into a growing buffer. Large `bytes`/`records`
 * values are kept as references between the copied parts, so a response frame
 * becomes a list of chunks for `socket.writev`/`cork` with the batches never
 * copied; `toBuffer()` joins them when one contiguous buffer is wanted.
 *
 * Uuids are 22-character base64url strings (see Reader).
 */
export class Writer {
  private buf: Buffer;
  private position = 0;
  /** Start of the part of `buf` not yet handed to `chunks`. */
  private chunkStart = 0;
  private chunks: Buffer[] = [];
  private chunkedBytes = 0;

  constructor(initialCapacity = 512) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkedBytes + this.position - this.chunkStart;
  }

  /**
   * Forgets what was written and reuses the buffer; only call once the output
   * of `toBuffer`/`toChunks` is no longer in use (it may alias this buffer).
   */
  reset(): void {
    this.position = 0;
    this.chunkStart = 0;
    this.chunks = [];
    this.chunkedBytes = 0;
  }

  private ensure(size: number): void {
    if (this.position + size <= this.buf.length) return;
    const used = this.position - this.chunkStart;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + size, 256));
    this.buf.copy(next, 0, this.chunkStart, this.position);
    this.buf = next;
    this.chunkStart = 0;
    this.position = used;
  }

  int8(value: number): void {
    this.ensure(1);
    this.position = this.buf.writeInt8(value, this.position);
  }
  int16(value: number): void {
    this.ensure(2);
    this.position = this.buf.writeInt16BE(value, this.position);
  }
  uint16(value: number): void {
    this.ensure(2);
    this.position = this.buf.writeUInt16BE(value, this.position);
  }
  int32(value: number): void {
    this.ensure(4);
    this.position = this.buf.writeInt32BE(value, this.position);
  }
  uint32(value: number): void {
    this.ensure(4);
    this.position = this.buf.writeUInt32BE(value, this.position);
  }
  int64(value: bigint): void {
    this.ensure(8);
    this.position = this.buf.writeBigInt64BE(value, this.position);
  }
  float64(value: number): void {
    this.ensure(8);
    this.position = this.buf.writeDoubleBE(value, this.position);
  }
  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.position++] = value ? 1 : 0;
  }
  uuid(value: string): void {
    if (value.length !== 22) throw new ProtocolError(`uuid ${JSON.stringify(value)} is not 22 base64url characters`);
    this.ensure(16);
    const written = this.buf.write(value, this.position, 16, 'base64url');
    if (written !== 16) throw new ProtocolError(`uuid ${JSON.stringify(value)} is not base64url`);
    this.position += 16;
  }
  unsignedVarint(value: number): void {
    this.ensure(5);
    this.position = writeUnsignedVarint(this.buf, this.position, value);
  }
  varint(value: number): void {
    this.ensure(5);
    this.position = writeVarint(this.buf, this.position, value);
  }
  varlong(value: bigint): void {
    this.ensure(10);
    this.position = writeVarlong(this.buf, this.position, value);
  }

  string(value: string): void {
    this.nullableString(value);
  }
  nullableString(value: string | null): void {
    if (value === null) return this.int16(-1);
    const size = stringBytes(value);
    this.ensure(2 + size);
    this.position = this.buf.writeInt16BE(size, this.position);
    this.position += this.buf.write(value, this.position, size, 'utf8');
  }
  compactString(value: string): void {
    this.compactNullableString(value);
  }
  compactNullableString(value: string | null): void {
    if (value === null) return this.unsignedVarint(0);
    const size = stringBytes(value);
    this.ensure(5 + size);
    this.position = writeUnsignedVarint(this.buf, this.position, size + 1);
    this.position += this.buf.write(value, this.position, size, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.nullableBytes(value);
  }
  nullableBytes(value: Uint8Array | null): void {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    this.raw(value);
  }
  compactBytes(value: Uint8Array): void {
    this.compactNullableBytes(value);
  }
  compactNullableBytes(value: Uint8Array | null): void {
    if (value === null) return this.unsignedVarint(0);
    this.unsignedVarint(value.length + 1);
    this.raw(value);
  }

  /** Count prefix of an array; pass -1 for a null array. */
  arrayLength(count: number): void {
    this.int32(count);
  }
  compactArrayLength(count: number): void {
    this.unsignedVarint(count + 1);
  }

  /** Appends bytes as they are: copied when small, referenced when large. */
  raw(value: Uint8Array): void {
    if (value.length >= ZERO_COPY_MIN_BYTES) {
      if (this.position > this.chunkStart) {
        this.chunks.push(this.buf.subarray(this.chunkStart, this.position));
        this.chunkedBytes += this.position - this.chunkStart;
        this.chunkStart = this.position;
      }
      this.chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length));
      this.chunkedBytes += value.length;
      return;
    }
    this.ensure(value.length);
    this.buf.set(value, this.position);
    this.position += value.length;
  }

  /** Appends everything another writer holds (used for tagged-field payloads). */
  append(other: Writer): void {
    for (const chunk of other.toChunks()) this.raw(chunk);
  }

  /** The output as a list of buffers, in order, without joining them. */
  toChunks(): Buffer[] {
    const tail = this.buf.subarray(this.chunkStart, this.position);
    if (this.chunks.length === 0) return [tail];
    return tail.length === 0 ? [...this.chunks] : [...this.chunks, tail];
  }

  /** The output as one buffer (a view when nothing was referenced, a join otherwise). */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(this.chunkStart, this.position);
    return Buffer.concat(this.toChunks(), this.length);
  }
}

function stringBytes(value: string): number {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_STRING_BYTES) throw new ProtocolError(`string of ${size} bytes exceeds 32767`);
  return size;
}

/** For fields nullable only in some versions: a null where this version forbids it. */
export function nonNull<T>(value: T | null, path: string): T {
  if (value === null) throw new ProtocolError('null in a version where the field is not nullable', path);
  return value;
}
