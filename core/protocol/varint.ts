import { ProtocolError } from './protocol-error.js';

/**
 * Base-128 varints as Kafka writes them: unsigned (RPC compact lengths, tags)
 * and zig-zag signed (inside v2 records). Reads take a cursor object so a
 * caller can decode a run of fields without allocating per field.
 */
export interface Cursor {
  position: number;
}

export function readUnsignedVarint(buf: Uint8Array, cursor: Cursor, limit = buf.length): number {
  let value = 0;
  let shift = 0;
  let pos = cursor.position;
  for (;;) {
    if (pos >= limit) throw new ProtocolError('truncated varint');
    const byte = buf[pos++]!;
    if (shift === 28 && (byte & 0xf0) !== 0) throw new ProtocolError('varint longer than 32 bits');
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  cursor.position = pos;
  return value >>> 0;
}

export function readVarint(buf: Uint8Array, cursor: Cursor, limit = buf.length): number {
  const raw = readUnsignedVarint(buf, cursor, limit);
  return (raw >>> 1) ^ -(raw & 1);
}

/**
 * Zig-zag varlong; values beyond 2^53 lose precision, so callers get a bigint.
 * Up to seven bytes (49 bits, every realistic timestamp delta) are summed as a
 * plain number and converted once: BigInt arithmetic per byte costs ~4x more.
 */
export function readVarlong(buf: Uint8Array, cursor: Cursor, limit = buf.length): bigint {
  let raw = 0;
  let scale = 1;
  let pos = cursor.position;
  for (let i = 0; i < 7; i++) {
    if (pos >= limit) throw new ProtocolError('truncated varlong');
    const byte = buf[pos++]!;
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      cursor.position = pos;
      return BigInt(raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);
    }
    scale *= 128;
  }
  return readLongVarlong(buf, cursor, limit);
}

function readLongVarlong(buf: Uint8Array, cursor: Cursor, limit: number): bigint {
  let raw = 0n;
  let shift = 0n;
  let pos = cursor.position;
  for (;;) {
    if (pos >= limit) throw new ProtocolError('truncated varlong');
    if (shift > 63n) throw new ProtocolError('varlong longer than 64 bits');
    const byte = buf[pos++]!;
    raw |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7n;
  }
  cursor.position = pos;
  return (raw >> 1n) ^ -(raw & 1n);
}

function unsignedVarintSize(value: number): number {
  let v = value >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

export function varintSize(value: number): number {
  return unsignedVarintSize((value << 1) ^ (value >> 31));
}

export function varlongSize(value: bigint): number {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

/** Writes at `position` and returns the position after the varint. */
export function writeUnsignedVarint(buf: Uint8Array, position: number, value: number): number {
  let v = value >>> 0;
  let pos = position;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeVarint(buf: Uint8Array, position: number, value: number): number {
  return writeUnsignedVarint(buf, position, (value << 1) ^ (value >> 31));
}

export function writeVarlong(buf: Uint8Array, position: number, value: bigint): number {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let pos = position;
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}
