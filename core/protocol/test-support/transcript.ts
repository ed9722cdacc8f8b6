import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * Transcript tests in the style of etcd raft's interaction tests: each
 * `*.txt` in a folder is a script of blocks (comment lines, a command line,
 * `----`, the expected output, a blank line). One test per file replays its
 * commands through a fresh interpreter and compares the output; with
 * `REWRITE=1` the files are rewritten with what the commands printed.
 */
export interface TranscriptBlock {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

export function parseTranscript(text: string): TranscriptBlock[] {
  const blocks: TranscriptBlock[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === '')) comments.push(lines[i++]!);
    if (i >= lines.length) break;
    const command = lines[i++]!;
    if (lines[i++] !== '----') throw new Error(`expected ---- after "${command}"`);
    const expected: string[] = [];
    while (i < lines.length && lines[i] !== '') expected.push(lines[i++]!);
    blocks.push({ comments, command, expected: expected.join('\n') });
  }
  return blocks;
}

/** Declares one test per transcript in `dir`; `run` gets each command line of a file in turn, on one interpreter per file. */
export function replayTranscripts(dir: URL, newInterpreter: () => (command: string) => string[]): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(`replays ${file} exactly as recorded`, () => {
      const path = new URL(file, dir);
      const blocks = parseTranscript(readFileSync(path, 'utf8'));
      const run = newInterpreter();
      const actual = blocks.map((block) => {
        const out = run(block.command).join('\n');
        return { ...block, actual: out === '' ? 'ok' : out };
      });
      if (process.env['REWRITE'] === '1') {
        const text = actual.map((b) => [...b.comments.filter((c) => c.startsWith('#')), b.command, '----', b.actual, ''].join('\n')).join('\n');
        writeFileSync(path, text);
        return;
      }
      for (const block of actual) expect(`${block.command}\n${block.actual}`).toBe(`${block.command}\n${block.expected}`);
    });
  }
}
