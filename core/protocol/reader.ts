import { ProtocolError } from './protocol-error.js';
import { readVarint, readVarlong } from './varint.js';

/** The all-zero Uuid ("no id"), in the base64url form the codec uses. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * Reads Kafka's wire primitives from `buf[position, end)`. Every length and
 * count is checked against the bytes left before anything is allocated, and
 * every failure is a ProtocolError naming `path` (the field being read).
 *
 * Uuids are returned as 22-character base64url strings, the form Kafka prints
 * (`Uuid.toString()`), so they compare with `===` and round-trip exactly.
 * `bytes` and `records` are returned as zero-copy slices of `buf`.
 *
 * The Reader is itself a varint Cursor (it has `position`).
 */
export class Reader {
  position: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    position = 0,
    end = buf.length,
  ) {
    this.position = position;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  private need(size: number, path: string): number {
    const at = this.position;
    if (this.end - at < size) {
      throw new ProtocolError(`needs ${size} bytes, ${this.end - at} left`, path);
    }
    this.position = at + size;
    return at;
  }

  int8(path = ''): number {
    return this.buf.readInt8(this.need(1, path));
  }
  int16(path = ''): number {
    return this.buf.readInt16BE(this.need(2, path));
  }
  uint16(path = ''): number {
    return this.buf.readUInt16BE(this.need(2, path));
  }
  int32(path = ''): number {
    return this.buf.readInt32BE(this.need(4, path));
  }
  uint32(path = ''): number {
    return this.buf.readUInt32BE(this.need(4, path));
  }
  int64(path = ''): bigint {
    return this.buf.readBigInt64BE(this.need(8, path));
  }
  float64(path = ''): number {
    return this.buf.readDoubleBE(this.need(8, path));
  }
  bool(path = ''): boolean {
    return this.buf[this.need(1, path)] !== 0;
  }
  uuid(path = ''): string {
    const at = this.need(16, path);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Unsigned base-128 varint (no zig-zag), at most 5 bytes. */
  unsignedVarint(path = ''): number {
    const buf = this.buf;
    let pos = this.position;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.end) throw new ProtocolError('truncated varint', path);
      const byte = buf[pos++]!;
      if (shift === 28 && (byte & 0xf0) !== 0) throw new ProtocolError('varint longer than 32 bits', path);
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    this.position = pos;
    return value >>> 0;
  }
  varint(path = ''): number {
    try {
      return readVarint(this.buf, this, this.end);
    } catch (error) {
      throw withPath(error, path);
    }
  }
  varlong(path = ''): bigint {
    try {
      return readVarlong(this.buf, this, this.end);
    } catch (error) {
      throw withPath(error, path);
    }
  }

  /** int16 length; null is refused (the field is not nullable in this version). */
  string(path = ''): string {
    const length = this.int16(path);
    if (length < 0) throw new ProtocolError('null for a non-nullable string', path);
    return this.utf8(length, path);
  }
  nullableString(path = ''): string | null {
    const length = this.int16(path);
    if (length < -1) throw new ProtocolError(`string length ${length}`, path);
    return length === -1 ? null : this.utf8(length, path);
  }
  compactString(path = ''): string {
    const length = this.unsignedVarint(path) - 1;
    if (length < 0) throw new ProtocolError('null for a non-nullable string', path);
    return this.utf8(length, path);
  }
  compactNullableString(path = ''): string | null {
    const length = this.unsignedVarint(path) - 1;
    return length === -1 ? null : this.utf8(length, path);
  }
  private utf8(length: number, path: string): string {
    if (length > 0x7fff) throw new ProtocolError(`string of ${length} bytes exceeds 32767`, path);
    const at = this.need(length, path);
    return this.buf.toString('utf8', at, at + length);
  }

  /** int32 length; the result is a view into the input, not a copy. */
  bytes(path = ''): Buffer {
    const length = this.int32(path);
    if (length < 0) throw new ProtocolError('null for non-nullable bytes', path);
    return this.slice(length, path);
  }
  nullableBytes(path = ''): Buffer | null {
    const length = this.int32(path);
    if (length < -1) throw new ProtocolError(`bytes length ${length}`, path);
    return length === -1 ? null : this.slice(length, path);
  }
  compactBytes(path = ''): Buffer {
    const length = this.unsignedVarint(path) - 1;
    if (length < 0) throw new ProtocolError('null for non-nullable bytes', path);
    return this.slice(length, path);
  }
  compactNullableBytes(path = ''): Buffer | null {
    const length = this.unsignedVarint(path) - 1;
    return length === -1 ? null : this.slice(length, path);
  }
  slice(length: number, path = ''): Buffer {
    const at = this.need(length, path);
    return this.buf.subarray(at, at + length);
  }

  /**
   * int32 element count, -1 for null. A count larger than the bytes left is
   * refused before the caller allocates (Kafka's own generated code does the same).
   */
  arrayLength(path = ''): number {
    return this.checkCount(this.int32(path), path);
  }
  compactArrayLength(path = ''): number {
    return this.checkCount(this.unsignedVarint(path) - 1, path);
  }
  private checkCount(count: number, path: string): number {
    if (count < -1) throw new ProtocolError(`array length ${count}`, path);
    if (count > this.end - this.position) {
      throw new ProtocolError(`array of ${count} elements, only ${this.end - this.position} bytes left`, path);
    }
    return count;
  }

  /** int8 marker of a nullable struct: -1 null, 1 present. */
  structPresent(path = ''): boolean {
    const marker = this.int8(path);
    if (marker === -1) return false;
    if (marker === 1) return true;
    throw new ProtocolError(`nullable struct marker ${marker}`, path);
  }

  skip(size: number, path = ''): void {
    this.need(size, path);
  }

  /**
   * Starts a tagged field of `size` bytes: narrows `end` to the payload and
   * returns the previous end, which `leave` restores after skipping whatever
   * the field's reader did not consume.
   */
  enter(size: number, path = ''): number {
    const outer = this.end;
    const payloadEnd = this.position + size;
    if (size > outer - this.position) throw new ProtocolError(`tagged field of ${size} bytes, only ${outer - this.position} left`, path);
    this.end = payloadEnd;
    return outer;
  }
  leave(outer: number): void {
    this.position = this.end;
    this.end = outer;
  }
}

function withPath(error: unknown, path: string): unknown {
  return error instanceof ProtocolError && path !== '' ? new ProtocolError(error.message, path) : error;
}
