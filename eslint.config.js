// ESLint (flat config): typescript-eslint's type-aware promise rules, and the
// module boundaries that the core/* READMEs state, as rules.
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

/** Which other core folders each core folder may import (its README's "May import"). */
const coreImports = {
  protocol: [],
  actors: ['protocol'],
  log: ['protocol'],
  group: ['protocol'],
  raft: ['protocol', 'security'],
  partition: ['log', 'protocol'],
  txn: ['protocol'],
  security: ['protocol'],
};
/** The edges: core/ never imports them. */
const edges = ['runtime', 'cli', 'client', 'bench', 'load-tests', 'test'];
/** Pure state machines: time, randomness, timers and I/O come in as inputs (from their context). */
const pure = new Set(['raft', 'group', 'partition', 'txn', 'security']);
const pureMessage = 'a pure state machine takes time, randomness, timers and I/O as inputs';

function coreBoundary(folder, allowed = coreImports[folder], files = [`core/${folder}/**/*.ts`]) {
  const forbidden = [...edges, ...Object.keys(coreImports).filter((other) => other !== folder && !allowed.includes(other))];
  const message = `core/${folder} may import only ${[...allowed.map((other) => `core/${other}`), 'its own files'].join(', ')} (core/${folder}/README.md)`;
  const rules = {
    // Specifiers are relative, so a pattern names the folder wherever it sits in the path.
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((other) => ({ group: [`**/${other}/**`, `../${other}`], message })),
        ...(pure.has(folder) ? { paths: ['node:fs', 'node:fs/promises', 'node:net', 'fs', 'net'].map((name) => ({ name, message: pureMessage })) } : {}),
      },
    ],
  };
  if (pure.has(folder)) {
    rules['no-restricted-properties'] = [
      'error',
      ...[['Date', 'now'], ['Math', 'random'], ['performance', 'now']].map(([object, property]) => ({ object, property, message: pureMessage })),
    ];
    rules['no-restricted-globals'] = ['error', ...['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({ name, message: pureMessage }))];
  }
  return { files, ignores: ['**/*.test.ts', '**/testdata/**'], rules };
}

/**
 * Which other runtime folders each runtime folder may import (files at runtime/'s top, such as
 * logger.ts, are open to all; node.ts, the composition root, imports everything). The table is a
 * DAG, checked below, so the runtime folders import each other without cycles.
 */
const runtimeImports = {
  config: [],
  metrics: [],
  purgatory: [],
  raft: [],
  storage: ['config'],
  controller: ['config', 'raft', 'storage'],
  coordinator: ['config', 'controller'],
  producer: ['controller'],
  replica: ['config', 'controller', 'metrics', 'purgatory', 'raft'],
  group: ['config', 'controller', 'coordinator', 'metrics'],
  txn: ['config', 'controller', 'coordinator', 'group', 'metrics', 'raft', 'replica'],
  handlers: ['config', 'controller', 'coordinator', 'group', 'producer', 'raft', 'replica', 'txn'],
  network: ['config', 'handlers', 'metrics'],
  console: ['config', 'metrics'],
  security: ['config', 'controller', 'handlers', 'metrics'],
  quota: ['config', 'controller', 'handlers', 'metrics'],
};

/** Throws at load when the allowed imports could form a cycle. */
function assertAcyclic(imports) {
  const done = new Set();
  const visit = (folder, path) => {
    if (path.includes(folder)) throw new Error(`eslint.config.js: runtime folders import in a cycle: ${[...path, folder].join(' -> ')}`);
    if (done.has(folder)) return;
    for (const next of imports[folder] ?? []) visit(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of Object.keys(imports)) visit(folder, []);
}
assertAcyclic(runtimeImports);

function runtimeBoundary(folder) {
  const forbidden = Object.keys(runtimeImports).filter((other) => other !== folder && !runtimeImports[folder].includes(other));
  const allowed = runtimeImports[folder].map((other) => `runtime/${other}`).join(', ') || 'no other runtime folder';
  const message = `runtime/${folder} may import ${allowed} (eslint.config.js runtimeImports: runtime folders import without cycles)`;
  return {
    files: [`runtime/${folder}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    // A sibling folder is `../<folder>/`; core's folders of the same names are `../../core/<folder>/`.
    rules: { 'no-restricted-imports': ['error', { patterns: forbidden.length === 0 ? [] : [{ regex: `^\\.\\./(${forbidden.join('|')})/`, message }] }] },
  };
}

/** A new runtime folder must take its place in runtimeImports, or cycles through it would go unseen. */
const unlistedRuntimeFolders = readdirSync(new URL('./runtime/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !(entry.name in runtimeImports))
  .map((entry) => ({
    files: [`runtime/${entry.name}/**/*.ts`],
    rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: `runtime/${entry.name} is not in eslint.config.js's runtimeImports: add it with the runtime folders it may import` }] },
  }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'core/protocol/generated/**', 'bench/out/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...Object.keys(coreImports).map((folder) => coreBoundary(folder)),
  // The Raft simulation draws its faults from core/actors' seeded random (core/raft/README.md).
  coreBoundary('raft', [...coreImports.raft, 'actors'], ['core/raft/sim/**/*.ts']),
  // So does the replication simulation (core/partition/README.md).
  coreBoundary('partition', [...coreImports.partition, 'actors'], ['core/partition/sim/**/*.ts']),
  ...Object.keys(runtimeImports).map((folder) => runtimeBoundary(folder)),
  ...unlistedRuntimeFolders,
  // streams/ is a client-side library: it may use core/protocol and client/, never the broker.
  {
    files: ['streams/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/runtime/**', '**/cli/**'], message: 'streams/ is a client library: it never imports the broker (runtime/, cli/)' }] }],
    },
  },
);
