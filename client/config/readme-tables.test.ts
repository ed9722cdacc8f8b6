import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig } from './config-definition.js';
import { producerConfigDefinitions } from './producer-configs.js';

describe('client/README.md', () => {
  it('has a row for every producer and common key, with its default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const row of describeConfig(producerConfigDefinitions)) {
      expect(readme, row.key).toContain(`| \`${row.key}\` | ${row.type} | \`${row.defaultValue}\` |`);
    }
  });
});
