import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameSizeError } from './frame-decoder.js';

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const frames: Buffer[] = [];
  for (const chunk of chunks) decoder.push(chunk, (f) => frames.push(Buffer.from(f)));
  return frames;
}

describe('FrameDecoder', () => {
  it('yields the same frames, in order, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map(frame));
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(stream.subarray(at, at + size));
            at += size;
          }
          const decoder = new FrameDecoder(1000);
          expect(decodeAll(decoder, chunks)).toEqual(bodies.map((b) => Buffer.from(b)));
        },
      ),
    );
  });

  it('holds a partial frame until its last byte arrives', () => {
    const decoder = new FrameDecoder(100);
    const bytes = frame(Buffer.from('hello'));
    expect(decodeAll(decoder, [bytes.subarray(0, 6)])).toEqual([]);
    expect(decodeAll(decoder, [bytes.subarray(6)])).toEqual([Buffer.from('hello')]);
  });

  it('refuses an oversized frame from its 4 size bytes alone, before any body arrives', () => {
    const decoder = new FrameDecoder(1024);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025);
    expect(() => decoder.push(size.subarray(0, 2), () => {})).not.toThrow();
    expect(() => decoder.push(size.subarray(2), () => {})).toThrow(
      new FrameSizeError(1025, 1024),
    );
    expect(() => new FrameDecoder(1024).push(size, () => {})).toThrow(/larger than socket.request.max.bytes \(1024\)/);
  });

  it('refuses a negative frame size', () => {
    expect(() => new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xfe]), () => {})).toThrow(
      /frame size -2 is negative/,
    );
  });

  it('accepts a frame of exactly the maximum size', () => {
    const body = Buffer.alloc(1024, 7);
    expect(decodeAll(new FrameDecoder(1024), [frame(body)])).toEqual([body]);
  });
});
