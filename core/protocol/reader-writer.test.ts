import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { Reader, ZERO_UUID } from './reader.js';
import { Writer } from './writer.js';

describe('Reader and Writer primitives', () => {
  it('write big-endian fixed-width values and read them back', () => {
    const w = new Writer(4);
    w.int8(-2);
    w.int16(-300);
    w.uint16(65535);
    w.int32(-5);
    w.uint32(0xfffffffe);
    w.int64(-(2n ** 63n));
    w.float64(1.5);
    w.bool(true);
    const bytes = w.toBuffer();
    expect(bytes.toString('hex')).toBe('fe' + 'fed4' + 'ffff' + 'fffffffb' + 'fffffffe' + '8000000000000000' + '3ff8000000000000' + '01');
    const r = new Reader(bytes);
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.float64(), r.bool()]).toEqual([-2, -300, 65535, -5, 0xfffffffe, -(2n ** 63n), 1.5, true]);
    expect(r.remaining).toBe(0);
  });

  it('encode strings with an int16 length, or a compact length + 1, and null as -1 or 0', () => {
    const w = new Writer();
    w.string('hé');
    w.nullableString(null);
    w.compactString('ab');
    w.compactNullableString(null);
    const bytes = w.toBuffer();
    expect(bytes.toString('hex')).toBe('0003' + '68c3a9' + 'ffff' + '03' + '6162' + '00');
    const r = new Reader(bytes);
    expect([r.string(), r.nullableString(), r.compactString(), r.compactNullableString()]).toEqual(['hé', null, 'ab', null]);
  });

  it('refuse null where a version does not allow it', () => {
    expect(() => new Reader(Buffer.from('ffff', 'hex')).string('f')).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from('00', 'hex')).compactString('f')).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from('ffffffff', 'hex')).bytes('f')).toThrow(ProtocolError);
  });

  it('return bytes as a view of the input, not a copy', () => {
    const input = Buffer.from('00000003aabbcc', 'hex');
    const bytes = new Reader(input).bytes();
    input[4] = 0x11;
    expect(bytes.toString('hex')).toBe('11bbcc');
  });

  it('reference large byte slices instead of copying them, and join them on demand', () => {
    const big = Buffer.alloc(8192, 7);
    const w = new Writer();
    w.int16(1);
    w.bytes(big);
    w.int16(2);
    const chunks = w.toChunks();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(big);
    expect(w.length).toBe(2 + 4 + 8192 + 2);
    const r = new Reader(w.toBuffer());
    expect([r.int16(), r.bytes().equals(big), r.int16()]).toEqual([1, true, 2]);
  });

  it('carry a Uuid as 22 base64url characters, all zeros being AAAA…', () => {
    const w = new Writer();
    w.uuid(ZERO_UUID);
    w.uuid('_____________________w');
    const bytes = w.toBuffer();
    expect(bytes.subarray(0, 16).equals(Buffer.alloc(16))).toBe(true);
    expect(bytes.subarray(16).equals(Buffer.alloc(16, 0xff))).toBe(true);
    const r = new Reader(bytes);
    expect([r.uuid(), r.uuid()]).toEqual([ZERO_UUID, '_____________________w']);
    expect(() => new Writer().uuid('not-a-uuid')).toThrow(ProtocolError);
  });

  it('round-trip unsigned varints and refuse ones longer than 5 bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const w = new Writer(1);
        w.unsignedVarint(value);
        expect(new Reader(w.toBuffer()).unsignedVarint()).toBe(value);
      }),
      { numRuns: 200 },
    );
    expect(() => new Reader(Buffer.from('ffffffff7f', 'hex')).unsignedVarint('v')).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from('8080', 'hex')).unsignedVarint('v')).toThrow(ProtocolError);
  });

  it('name the field in the error when bytes run out', () => {
    const error = (() => {
      try {
        new Reader(Buffer.from('00', 'hex')).int32('FetchRequest.maxWaitMs');
      } catch (e) {
        return e as ProtocolError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.path).toBe('FetchRequest.maxWaitMs');
  });

  it('refuse strings longer than 32767 bytes on write', () => {
    expect(() => new Writer().string('x'.repeat(32768))).toThrow(ProtocolError);
  });
});
