import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR, requireSchemas } from '../test-support/schema-arbitrary.js';
import { generate, kebabCase } from './generate.js';
import { parseRange, stripComments } from './schema.js';

const generatedDir = fileURLToPath(new URL('../generated', import.meta.url));

function committedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? committedFiles(path) : [relative(generatedDir, path).split(sep).join('/')];
  });
}

const present = requireSchemas('the regeneration check');

describe('the protocol generator', () => {
  it.skipIf(!present)('produces exactly the committed core/protocol/generated/ (run npm run generate:protocol after changing it)', () => {
    const fresh = generate(SCHEMA_DIR);
    expect(committedFiles(generatedDir).sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) {
      expect(readFileSync(join(generatedDir, path), 'utf8'), path).toBe(text);
    }
  });

  it('reads every version-range form the schemas use', () => {
    expect(parseRange('3+')).toEqual({ min: 3, max: 0x7fff });
    expect(parseRange('0-11')).toEqual({ min: 0, max: 11 });
    expect(parseRange('2')).toEqual({ min: 2, max: 2 });
    const none = parseRange('none');
    expect(none.min > none.max).toBe(true);
    expect(() => parseRange('1..2')).toThrow();
  });

  it('strips // comments but keeps // inside strings', () => {
    const text = '// header\n{ "a": "http://x", // note\n "b": 1 }';
    expect(JSON.parse(stripComments(text))).toEqual({ a: 'http://x', b: 1 });
  });

  it('names modules in kebab case, keeping KRaft one word', () => {
    expect(kebabCase('DescribeTopicPartitions')).toBe('describe-topic-partitions');
    expect(kebabCase('KRaftVersionRecord')).toBe('kraft-version-record');
    expect(kebabCase('ApiVersions')).toBe('api-versions');
  });
});
