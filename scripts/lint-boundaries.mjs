// Keeps module boundaries mechanical: core/ never reaches into the process edges,
// and the pure state machines never read the clock or randomness themselves.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const edges = ['runtime', 'cli', 'client', 'streams', 'bench', 'load-tests'];
// Folders whose non-test code must take time and randomness as inputs.
const pure = ['core/raft', 'core/group', 'core/txn', 'core/partition'];
const impure = /\b(Date\.now|Math\.random|setTimeout|setInterval|performance\.now)\b|from 'node:(fs|net)/;

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const file of sources(join(root, 'core'))) {
  const rel = relative(root, file).split(sep).join('/');
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/from\s+'([^']+)'/g)) {
    const target = match[1];
    if (!target.startsWith('.')) continue;
    const resolved = relative(root, join(file, '..', target)).split(sep).join('/');
    if (edges.some((edge) => resolved === edge || resolved.startsWith(`${edge}/`))) {
      problems.push(`${rel}: core/ must not import ${resolved}`);
    }
    if (rel.startsWith('core/txn/') && !/^core\/(txn|protocol)\//.test(resolved)) problems.push(`${rel}: core/txn may import only core/protocol, not ${resolved}`);
  }
  const isTest = rel.endsWith('.test.ts') || rel.includes('/testdata/');
  if (!isTest && pure.some((dir) => rel.startsWith(`${dir}/`))) {
    const line = text.split('\n').findIndex((l) => impure.test(l));
    if (line >= 0) problems.push(`${rel}:${line + 1}: pure state machine reads clock, randomness, timers or I/O`);
  }
}

for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log('boundaries ok');
