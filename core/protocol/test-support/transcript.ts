import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * The runner of etcd-raft-style transcript tests (core/raft, core/partition,
 * core/group, core/txn): a file of commands, each followed by `----` and the
 * output it produced, up to a blank line. `runTranscript` replays the commands
 * through `run` and returns the file as it should read, which the test
 * compares with the file (or writes back under REWRITE=1).
 */
function runTranscript(source: string, run: (line: string) => string[]): string {
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
 * interpreter from `newInterpreter`, and one that there are transcripts at all.
 */
export function replayTranscripts(dir: URL, newInterpreter: () => (command: string) => string[]): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  it('has transcripts to run', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(`replays ${file} exactly as recorded`, () => {
      const path = new URL(file, dir);
      const expected = readFileSync(path, 'utf8');
      const actual = runTranscript(expected, newInterpreter());
      if (process.env['REWRITE'] === '1') writeFileSync(path, actual);
      else expect(actual).toBe(expected);
    });
  }
}

/** For interpreters whose transcripts spell a command that prints nothing as `ok`. */
export function okWhenEmpty(out: string[]): string[] {
  return out.length === 0 || (out.length === 1 && out[0] === '') ? ['ok'] : out;
}
