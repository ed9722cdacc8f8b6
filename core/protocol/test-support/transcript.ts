/**
 * The runner of etcd-raft-style transcript tests (core/group, core/txn): a
 * file of commands, each followed by `----` and the output it produced, up to
 * a blank line. `runTranscript` replays the commands through `run` and
 * returns the file as it should read, which the test compares with the file
 * (or writes back under REWRITE=1).
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
