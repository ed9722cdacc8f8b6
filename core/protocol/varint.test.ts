import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { readVarint, readVarlong, varintSize, varlongSize, writeVarint, writeVarlong } from './varint.js';

describe('zig-zag varints', () => {
  it('round-trip every int64 through the short and the long varlong paths', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (value) => {
        const buf = new Uint8Array(10);
        const end = writeVarlong(buf, 0, value);
        expect(end).toBe(varlongSize(value));
        const cursor = { position: 0 };
        expect(readVarlong(buf, cursor)).toBe(value);
        expect(cursor.position).toBe(end);
      }),
      { numRuns: 2000 },
    );
  });

  it('decode the boundary values Kafka writes', () => {
    for (const value of [0n, -1n, 1n, 63n, -64n, 64n, (1n << 48n) - 1n, -(1n << 48n), 1n << 48n, (1n << 63n) - 1n, -(1n << 63n)]) {
      const buf = new Uint8Array(10);
      writeVarlong(buf, 0, value);
      expect(readVarlong(buf, { position: 0 })).toBe(value);
    }
  });

  it('round-trip int32 varints', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        const buf = new Uint8Array(5);
        const end = writeVarint(buf, 0, value);
        expect(end).toBe(varintSize(value));
        expect(readVarint(buf, { position: 0 })).toBe(value);
      }),
    );
  });

  it('refuse truncated and overlong varlongs with ProtocolError', () => {
    expect(() => readVarlong(Uint8Array.of(0x80, 0x80), { position: 0 })).toThrow(ProtocolError);
    expect(() => readVarlong(new Uint8Array(11).fill(0xff), { position: 0 })).toThrow(ProtocolError);
  });
});
