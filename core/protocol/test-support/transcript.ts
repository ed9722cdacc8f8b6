import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * The runner of etcd-raft-style transcript tests (core/raft, core/partition,
 * core/group, core/txn): a file of commands, each followed by `----` and the
 * output it produced, up to a blank line. `runTranscript` replays the commands
 * through `run` and returns the file as it should read, which the test
 * compares with the file (or writes back under REWRITE=1).
 */
export function runTranscript(source: string, run: (line: string) => string[]): string {
  const out: string[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(line, '----', ...run(line));
    if (lines[i + 1] === '----') {
      // Skip the recorded output up to the blank line that ends the block.
      i += 1;
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
    }
  }
  return out.join('\n');
}

/**
 * Declares one test per `*.txt` transcript in `dir`, each replayed on a fresh
 * interpreter from `newInterpreter`; a command that prints nothing reads `ok`.
 */
export function replayTranscripts(dir: URL, newInterpreter: () => (command: string) => string[]): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(`replays ${file} exactly as recorded`, () => {
      const path = new URL(file, dir);
      const expected = readFileSync(path, 'utf8');
      const run = newInterpreter();
      const actual = runTranscript(expected, (line) => {
        const out = run(line);
        return out.length === 0 || (out.length === 1 && out[0] === '') ? ['ok'] : out;
      });
      if (process.env['REWRITE'] === '1') writeFileSync(path, actual);
      else expect(actual).toBe(expected);
    });
  }
}
