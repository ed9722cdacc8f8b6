import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_HEADER_BYTES, SharedRing } from './shared-ring.js';

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

function readAll(ring: SharedRing): Array<{ tag: number; body: Uint8Array }> {
  const out: Array<{ tag: number; body: Uint8Array }> = [];
  ring.read((tag, body) => {
    out.push({ tag, body: body.slice() });
    return true;
  });
  return out;
}

describe('SharedRing', () => {
  it('returns records in write order with their tags and exact bytes, across wrap-around and rewinds', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ write: fc.integer({ min: 0, max: 248 }), readerAwake: fc.boolean() }),
            fc.record({ read: fc.integer({ min: 1, max: 5 }) }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          let readerAwake = false;
          const ring = new SharedRing(SharedRing.create({ capacityBytes: 512 }).handle, { readerAwake: () => readerAwake });
          const model: Array<{ tag: number; body: Uint8Array }> = [];
          let seq = 0;
          for (const op of ops) {
            if ('write' in op) {
              readerAwake = op.readerAwake;
              const body = bytes(op.write, seq);
              const wasEmpty = ring.isEmpty;
              const written = ring.tryWrite(seq, [body.subarray(0, 3), body.subarray(3)]);
              // An empty ring takes any record up to maxRecordBytes, rewinding or not.
              if (wasEmpty) expect(written).toBe(true);
              if (written) model.push({ tag: seq, body });
              seq++;
            } else {
              const got: Array<{ tag: number; body: Uint8Array }> = [];
              const waiting = model.length;
              ring.read((tag, body) => (got.push({ tag, body: body.slice() }), true), op.read);
              expect(got.length).toBe(Math.min(op.read, waiting));
              expect(got).toEqual(model.splice(0, got.length));
            }
            expect(ring.depthRecords).toBe(model.length);
          }
          expect(readAll(ring)).toEqual(model);
          expect(ring.isEmpty).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a write when full by bytes, then accepts it once the reader frees space', () => {
    const ring = SharedRing.create({ capacityBytes: 256 });
    const body = bytes(56, 1); // 64 bytes with its header
    for (let i = 0; i < 4; i++) expect(ring.tryWrite(i, [body])).toBe(true);
    expect(ring.depthBytes).toBe(256);
    expect(ring.tryWrite(4, [body])).toBe(false);
    expect(ring.read(() => true, 1)).toBe(1);
    expect(ring.tryWrite(4, [body])).toBe(true);
    expect(readAll(ring).map((r) => r.tag)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a write when full by record count', () => {
    const ring = SharedRing.create({ capacityBytes: 1024, maxRecords: 2 });
    expect(ring.tryWrite(0, [bytes(1, 0)])).toBe(true);
    expect(ring.tryWrite(1, [bytes(1, 1)])).toBe(true);
    expect(ring.tryWrite(2, [bytes(1, 2)])).toBe(false);
    expect(ring.depthRecords).toBe(2);
  });

  it('leaves a record in place when the reader declines it', () => {
    const ring = SharedRing.create({ capacityBytes: 256 });
    ring.tryWrite(7, [bytes(10, 7)]);
    ring.tryWrite(8, [bytes(10, 8)]);
    expect(ring.read((tag) => tag !== 8)).toBe(1);
    expect(readAll(ring)).toEqual([{ tag: 8, body: bytes(10, 8) }]);
  });

  it('rejects a record bigger than half the ring with a RangeError', () => {
    const ring = SharedRing.create({ capacityBytes: 256 });
    expect(ring.maxRecordBytes).toBe(120);
    expect(() => ring.tryWrite(0, [new Uint8Array(121)])).toThrow(RangeError);
    expect(ring.tryWrite(0, [new Uint8Array(120)])).toBe(true);
  });

  it('fills a record in place with tryWriteWith', () => {
    const ring = SharedRing.create({ capacityBytes: 256 });
    expect(ring.tryWriteWith(3, 5, (body) => body.set([1, 2, 3, 4, 5]))).toBe(true);
    expect(readAll(ring)).toEqual([{ tag: 3, body: Uint8Array.of(1, 2, 3, 4, 5) }]);
  });

  it('wakes a writer waiting for room when the reader consumes', async () => {
    const ring = SharedRing.create({ capacityBytes: 128 });
    expect(ring.tryWrite(0, [new Uint8Array(56)])).toBe(true);
    expect(ring.tryWrite(1, [new Uint8Array(56)])).toBe(true);
    expect(ring.hasRoomFor(56)).toBe(false);
    const waited = ring.waitForRoom(56);
    ring.read(() => true, 1);
    await waited;
    expect(ring.tryWrite(2, [new Uint8Array(56)])).toBe(true);
  });

  it('rebuilds the same ring from its handle (as another thread does)', () => {
    const ring = SharedRing.create({ capacityBytes: 256, maxRecords: 3 });
    const other = new SharedRing(ring.handle);
    ring.tryWrite(9, [bytes(4, 9)]);
    expect(other.maxRecords).toBe(3);
    expect(readAll(other)).toEqual([{ tag: 9, body: bytes(4, 9) }]);
    expect(ring.isEmpty).toBe(true);
  });

  it('keeps working when the free-running positions pass 2^31 and wrap around 2^32', () => {
    for (const start of [0x7fff_ff00, 0xffff_ff00 | 0]) {
      const ring = SharedRing.create({ capacityBytes: 1024 });
      const control = new Int32Array(ring.handle.buffer, 0, 32);
      control[0] = start; // WRITE_POS
      control[16] = start; // READ_POS
      for (let i = 0; i < 40; i++) {
        const body = bytes(300, i);
        expect(ring.tryWrite(i, [body])).toBe(true);
        expect(readAll(ring)).toEqual([{ tag: i, body }]);
      }
    }
  });

  it('rewinds an empty ring to the front when the reader is awake, and goes on in place when it sleeps', () => {
    let readerAwake = true;
    const ring = new SharedRing(SharedRing.create({ capacityBytes: 1024 }).handle, { readerAwake: () => readerAwake });
    const dataOffsets: number[] = [];
    const readOne = () => ring.read((_tag, body) => (dataOffsets.push(body.byteOffset - RING_HEADER_BYTES - 8), true));
    for (let i = 0; i < 3; i++) {
      expect(ring.tryWrite(i, [bytes(200, i)])).toBe(true);
      readOne();
    }
    // The first record of an empty ring at offset 208 would fit in place; an awake reader brings it back to 0.
    expect(dataOffsets).toEqual([0, 0, 0]);
    readerAwake = false;
    ring.tryWrite(3, [bytes(200, 3)]);
    readOne();
    ring.tryWrite(4, [bytes(200, 4)]);
    readOne();
    expect(dataOffsets.slice(3)).toEqual([208, 416]);
  });

  it('counts the skipped tail of a rewind as used until the reader passes the pad', () => {
    const ring = new SharedRing(SharedRing.create({ capacityBytes: 1024 }).handle, { readerAwake: () => true });
    const body = bytes(248, 1); // 256 bytes with its header
    for (let i = 0; i < 3; i++) expect(ring.tryWrite(i, [body])).toBe(true);
    expect(ring.read(() => true)).toBe(3);
    // Empty at offset 768: the next record rewinds, and the tail [768, 1024) stays taken until read.
    expect(ring.tryWrite(3, [body])).toBe(true);
    expect(ring.depthBytes).toBe(512);
    expect(ring.tryWrite(4, [body])).toBe(true);
    expect(ring.tryWrite(5, [body])).toBe(true);
    expect(ring.tryWrite(6, [body])).toBe(false);
    expect(ring.read(() => true, 1)).toBe(1);
    expect(ring.depthBytes).toBe(512);
    expect(ring.tryWrite(6, [body])).toBe(true);
    expect(readAll(ring).map((r) => r.tag)).toEqual([4, 5, 6]);
  });

  it('refuses a capacity that is not a power of two', () => {
    expect(() => SharedRing.create({ capacityBytes: 1000 })).toThrow(RangeError);
  });
});
