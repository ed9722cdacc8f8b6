import { describe } from 'vitest';
import { okWhenEmpty, replayTranscripts } from '../protocol/test-support/transcript.js';
import { RaftInteraction } from './raft-interaction.js';

// Each testdata/*.txt file is a script of blocks: a command line, `----`, the expected output,
// then a blank line. `REWRITE=1 npx vitest run core/raft` rewrites the expected output.
describe('raft interaction transcripts', () => {
  replayTranscripts(new URL('./testdata/', import.meta.url), () => {
    const cluster = new RaftInteraction();
    return (line) => {
      const [command, ...args] = line.trim().split(/\s+/);
      return okWhenEmpty(cluster.run(command!, args));
    };
  });
});
