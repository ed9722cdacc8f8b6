// Appends batches forever to a real log, flushing each, and prints "<offset> <batch hex>"
// once the batch is durable. The crash test kills this process with SIGKILL.
import { NodeFileSystem } from '../node-file-system.js';
import { PartitionLog } from '../partition-log.js';
import { batchOf, testConfig } from './log-fixtures.js';

const [dir] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: append-child <logDir>');
const log = PartitionLog.open({ dir, topic: 'crash', partition: 0, config: testConfig({ segmentBytes: 64 * 1024 }), fs: new NodeFileSystem(), clock: { nowMs: () => Date.now() } });
let i = 0;
const step = (): void => {
  for (let n = 0; n < 20; n++, i++) {
    const batch = batchOf(1 + (i % 5), { first: i, valueBytes: (i * 37) % 300 });
    const info = log.append(batch, 1);
    log.flush();
    process.stdout.write(`${info.firstOffset} ${batch.toString('hex')}\n`);
  }
  setImmediate(step);
};
step();
