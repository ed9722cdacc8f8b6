import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readProduceRequest } from './generated/messages/produce.js';
import { readMetadataRequest } from './generated/messages/metadata.js';
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { codecFor } from './test-support/generated-codecs.js';
import { SchemaArbitraries, loadAllSchemas, requireSchemas, versionsOf } from './test-support/schema-arbitrary.js';
import { Writer } from './writer.js';

/** Runs `decode` and returns the error it threw, or undefined when it decoded. */
function thrown(decode: () => unknown): unknown {
  try {
    decode();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('decoders facing hostile bytes', () => {
  it('refuse an array count of 2^31-1 with 10 bytes left before allocating anything', () => {
    const w = new Writer();
    w.nullableString(null); // transactionalId (v3+)
    w.int16(-1); // acks
    w.int32(30_000); // timeoutMs
    w.int32(0x7fffffff); // topicData count
    w.raw(Buffer.alloc(10));
    const error = thrown(() => readProduceRequest(new Reader(w.toBuffer()), 3));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).path).toBe('ProduceRequest.topicData');
  });

  it('refuse a compact array count beyond the bytes left in a flexible version', () => {
    const w = new Writer();
    w.compactArrayLength(1_000_000); // topics
    w.raw(Buffer.alloc(4));
    expect(thrown(() => readMetadataRequest(new Reader(w.toBuffer()), 12))).toBeInstanceOf(ProtocolError);
  });

  it('refuse a string length beyond the bytes left', () => {
    const w = new Writer();
    w.int16(5);
    w.raw(Buffer.from('ab'));
    expect(thrown(() => new Reader(w.toBuffer()).string('x'))).toBeInstanceOf(ProtocolError);
  });

  it('refuse a tagged field whose size runs past the end', () => {
    // MetadataRequest v12: topics null, allowAutoTopicCreation, includeTopicAuthorizedOperations, then 1 tagged field of 100 bytes.
    const bytes = Buffer.from([0x00, 0x01, 0x00, 0x01, 0x05, 0x64, 0x00]);
    expect(thrown(() => readMetadataRequest(new Reader(bytes), 12))).toBeInstanceOf(ProtocolError);
  });

  it('skip unknown tagged fields by their size', () => {
    const bytes = Buffer.from([0x00, 0x01, 0x00, 0x02, 0x07, 0x02, 0xaa, 0xbb, 0x09, 0x00]);
    const r = new Reader(bytes);
    expect(readMetadataRequest(r, 12)).toEqual({ topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(r.remaining).toBe(0);
  });
});

const present = requireSchemas('codec fuzzing');
describe.skipIf(!present)('every generated decoder', () => {
  const files = present ? loadAllSchemas() : [];
  for (const file of files) {
    it(`${file.schema.name} raises only ProtocolError on random or truncated bytes`, async () => {
      const codec = await codecFor(file);
      const versions = versionsOf(file.schema);
      const arbitraries = new SchemaArbitraries(file.schema);
      fc.assert(
        fc.property(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 48 }), (version, bytes) => {
          const error = thrown(() => codec.read(new Reader(Buffer.from(bytes)), version));
          if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
        }),
        { numRuns: 25, seed: 7 },
      );
      const valueAndVersion = fc.constantFrom(...versions).chain((version) => arbitraries.message(version).map((value) => ({ version, value })));
      fc.assert(
        fc.property(valueAndVersion, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), ({ version, value }, cut) => {
          const w = new Writer();
          codec.write(w, version, value);
          const bytes = w.toBuffer();
          fc.pre(bytes.length > 0); // an empty body (ApiVersions v0) has no strict prefix
          const prefix = bytes.subarray(0, Math.floor(cut * bytes.length));
          // A strict prefix of a valid encoding can never decode: the decoder needs every byte it consumed before.
          expect(thrown(() => codec.read(new Reader(prefix), version))).toBeInstanceOf(ProtocolError);
        }),
        { numRuns: 8, seed: 11 },
      );
    });
  }
});
