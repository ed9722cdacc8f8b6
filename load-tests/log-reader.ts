import { spawn } from 'node:child_process';
import { kcatPath } from '../bench/e2e/kcat.js';
import type { ConsumedRecord } from './checker.js';
import type { LoadRecordValue } from './load-producer.js';

/**
 * Everything a topic holds, read from the beginning to the end of every
 * partition with kcat (librdkafka, no group): the broker's side of the verdict.
 * With `readCommitted`, only what committed transactions wrote.
 */
export async function readWholeTopic(bootstrap: string, topic: string, readCommitted = false): Promise<ConsumedRecord[]> {
  if (kcatPath === undefined) throw new Error('the load-test verdict reads the log with kcat (apt-get install -y kcat)');
  const isolation = readCommitted ? ['-X', 'isolation.level=read_committed'] : [];
  const child = spawn(kcatPath, ['-C', '-q', '-e', '-b', bootstrap, '-t', topic, '-o', 'beginning', ...isolation, '-f', '%p %o %s\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const records: ConsumedRecord[] = [];
  let pending = '';
  let stderr = '';
  let unreadable = 0;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /^(\d+) (\d+) (.*)$/.exec(line);
      try {
        const value = JSON.parse(match?.[3] ?? '') as LoadRecordValue;
        records.push({ id: value.id, key: value.key, seq: value.seq, partition: Number(match![1]), offset: BigInt(match![2]!) });
      } catch {
        unreadable++;
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`kcat could not read ${topic} (exit ${code}): ${stderr}`);
  if (unreadable > 0) throw new Error(`${topic}: ${unreadable} records are not load-test records (corrupted?)`);
  return records;
}
