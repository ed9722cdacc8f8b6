// Usage: npm run generate:protocol -- <kafka-protocol dir> [output dir]
// Rewrites core/protocol/generated/ (or the given output dir) from the schemas.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const [schemaDir, outArg] = process.argv.slice(2);
if (schemaDir === undefined) {
  console.error('usage: generate:protocol <kafka-protocol dir> [output dir]');
  process.exit(2);
}
const outDir = resolve(outArg ?? join(here, '..', 'generated'));
rmSync(outDir, { recursive: true, force: true });
const files = generate(resolve(schemaDir));
for (const [path, text] of files) {
  const target = join(outDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
console.log(`wrote ${files.size} files to ${outDir}`);
