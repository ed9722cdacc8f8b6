import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_HEADER_BYTES, SharedRing } from './shared-ring.js';
import { ringWriterRecord } from './testdata/ring-writer-record.js';
import { startWorker } from './worker-url.js';

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
        fc.array(fc.oneof(fc.record({ write: fc.integer({ min: 0, max: 248 }) }), fc.record({ read: fc.integer({ min: 1, max: 5 }) })), { maxLength: 300 }),
        (ops) => {
          const ring = SharedRing.create({ capacityBytes: 512 });
          const model: Array<{ tag: number; body: Uint8Array }> = [];
          let seq = 0;
          for (const op of ops) {
            if ('write' in op) {
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

  it('takes a record of up to the whole ring once it is empty, and rejects a bigger one with a RangeError', () => {
    const ring = SharedRing.create({ capacityBytes: 256 });
    expect(ring.maxRecordBytes).toBe(248);
    expect(() => ring.tryWrite(0, [new Uint8Array(249)])).toThrow(RangeError);
    expect(ring.tryWrite(0, [bytes(8, 0)])).toBe(true);
    expect(ring.tryWrite(1, [bytes(248, 1)])).toBe(false);
    expect(readAll(ring).map((r) => r.tag)).toEqual([0]);
    expect(ring.tryWrite(1, [bytes(248, 1)])).toBe(true);
    expect(readAll(ring)).toEqual([{ tag: 1, body: bytes(248, 1) }]);
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

  it('starts the first record of an empty ring at the front, without counting the skipped tail as used', () => {
    const ring = SharedRing.create({ capacityBytes: 1024 });
    const dataOffsets: number[] = [];
    const offsetOf = (body: Uint8Array) => body.byteOffset - RING_HEADER_BYTES - 8;
    for (let i = 0; i < 3; i++) {
      expect(ring.tryWrite(i, [bytes(200, i)])).toBe(true);
      ring.read((_tag, body) => (dataOffsets.push(offsetOf(body)), true));
    }
    expect(dataOffsets).toEqual([0, 0, 0]);
    // Written while the ring holds records, they go on in place; the ring has all its room for them.
    for (let i = 3; i < 7; i++) expect(ring.tryWrite(i, [bytes(248, i)])).toBe(true);
    expect(ring.depthBytes).toBe(1024);
    const read: Array<{ tag: number; offset: number; body: Uint8Array }> = [];
    ring.read((tag, body) => (read.push({ tag, offset: offsetOf(body), body: body.slice() }), true));
    expect(read).toEqual([3, 4, 5, 6].map((tag, i) => ({ tag, offset: i * 256, body: bytes(248, tag) })));
  });

  it('reads a READ_POS ahead of WRITE_POS (a rewind being published) as an empty ring', () => {
    const ring = SharedRing.create({ capacityBytes: 1024 });
    const control = new Int32Array(ring.handle.buffer, 0, 32);
    control[0] = 256; // WRITE_POS
    control[16] = 256 + 768; // READ_POS, moved over the tail by the writer before it publishes
    expect(ring.isEmpty).toBe(true);
    expect(ring.depthBytes).toBe(0);
    expect(ring.read(() => true)).toBe(0);
  });

  it('keeps order and bytes between two threads through many rewinds and wraps', async () => {
    const ring = SharedRing.create({ capacityBytes: 4096, maxRecords: 64 });
    const count = 20_000;
    const writer = startWorker(import.meta.url, './testdata/ring-writer.js', { workerData: { ring: ring.handle, count } });
    let next = 0;
    const mismatches: number[] = [];
    const deadline = Date.now() + 20_000;
    while (next < count && Date.now() < deadline) {
      ring.read((tag, body) => {
        if (tag !== next || !Buffer.from(body).equals(Buffer.from(ringWriterRecord(next)))) mismatches.push(next);
        next++;
        return true;
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.terminate();
    expect(mismatches).toEqual([]);
    expect(next).toBe(count);
  });

  it('refuses a capacity that is not a power of two', () => {
    expect(() => SharedRing.create({ capacityBytes: 1000 })).toThrow(RangeError);
  });
});
