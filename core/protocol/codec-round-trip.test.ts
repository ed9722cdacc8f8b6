import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from './reader.js';
import { codecFor } from './test-support/generated-codecs.js';
import { SchemaArbitraries, loadAllSchemas, requireSchemas, versionsOf } from './test-support/schema-arbitrary.js';
import { Writer } from './writer.js';

const present = requireSchemas('codec round trips');
/** Cases per (api, version): a quick look on a developer's machine, a wider one in CI. */
const runs = process.env['CI'] === 'true' ? 100 : 6;

describe.skipIf(!present)('every generated codec, at every version', () => {
  const files = present ? loadAllSchemas() : [];
  for (const file of files) {
    it(`${file.schema.name} reads back exactly what it wrote (${file.path})`, async () => {
      const codec = await codecFor(file);
      const arbitraries = new SchemaArbitraries(file.schema);
      for (const version of versionsOf(file.schema)) {
        fc.assert(
          fc.property(arbitraries.message(version), (value) => {
            const w = new Writer(16);
            codec.write(w, version, value);
            const bytes = w.toBuffer();
            const r = new Reader(bytes);
            expect(codec.read(r, version)).toEqual(value);
            expect(r.remaining).toBe(0);
          }),
          { numRuns: runs, seed: 42 + version },
        );
      }
    });
  }
});
