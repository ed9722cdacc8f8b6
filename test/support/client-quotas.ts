import { expect } from 'vitest';
import { runFreshet } from '../../cli/testing/freshet-process.js';

/** `freshet configs --bootstrap-server <bootstrap> …` run as a user runs it; its stdout (it must succeed). */
export async function freshetConfigs(bootstrap: string, ...args: string[]): Promise<string> {
  const run = await runFreshet(['configs', '--bootstrap-server', bootstrap, ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

/** `count` lines of `recordBytes - 1` bytes (numbered, then `tag` repeated), for kcat -P: each line one record. */
export function recordLines(count: number, tag: string, recordBytes = 1000): string {
  const body = tag.repeat(Math.ceil(recordBytes / tag.length)).slice(0, recordBytes - 8);
  return Array.from({ length: count }, (_, i) => `${String(i).padStart(7, '0')} ${body}`).join('\n') + '\n';
}
