// ESLint (flat config): typescript-eslint's type-aware promise rules, and the
// module boundaries that the core/* READMEs state, as rules.
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
  // streams/ is a client-side library: it may use core/protocol and client/, never the broker.
  {
    files: ['streams/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/runtime/**', '**/cli/**'], message: 'streams/ is a client library: it never imports the broker (runtime/, cli/)' }] }],
    },
  },
);
