import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RaftInteraction } from './raft-interaction.js';

// Each testdata/*.txt file is a script of blocks: a command line, `----`, the expected output,
// then a blank line. `REWRITE=1 npx vitest run core/raft` rewrites the expected output.
const dir = new URL('./testdata/', import.meta.url);

interface Block {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

function parse(text: string): Block[] {
  const blocks: Block[] = [];
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

describe('raft interaction transcripts', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(`replays ${file} exactly as recorded`, () => {
      const path = new URL(file, dir);
      const blocks = parse(readFileSync(path, 'utf8'));
      const cluster = new RaftInteraction();
      const actual = blocks.map((block) => {
        const [command, ...args] = block.command.trim().split(/\s+/);
        const out = cluster.run(command!, args).join('\n');
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
});
