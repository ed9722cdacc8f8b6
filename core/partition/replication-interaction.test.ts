import { describe } from 'vitest';
import { okWhenEmpty, replayTranscripts } from '../protocol/test-support/transcript.js';
import { ReplicationInteraction } from './replication-interaction.js';

// testdata/replication/*.txt: one partition's replicas driven command by command (see
// replication-interaction.ts). `REWRITE=1 npx vitest run core/partition/replication-interaction`
// rewrites the expected output; review the diff.
describe('replication transcripts', () => {
  replayTranscripts(new URL('./testdata/replication/', import.meta.url), () => {
    const partition = new ReplicationInteraction();
    return (line) => {
      const [command = '', ...rest] = line.trim().split(/\s+/);
      const named = new Map(rest.filter((w) => w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
      return okWhenEmpty(partition.run(command, named, rest.filter((w) => !w.includes('='))));
    };
  });
});
