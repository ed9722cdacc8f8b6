import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'runtime/**/*.test.ts', 'cli/**/*.test.ts', 'bench/**/*.test.ts', 'load-tests/**/*.test.ts', 'client/**/*.test.ts', 'streams/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'dist'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
