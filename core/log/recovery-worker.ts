import { parentPort } from 'node:worker_threads';
import type { RecoveryTask } from './log-manager.js';
import { NodeFileSystem } from './node-file-system.js';
import { PartitionLog } from './partition-log.js';

// One partition per message: open (recovering it), close cleanly, report what recovery did.
const fs = new NodeFileSystem();
const clock = { nowMs: () => Date.now() };
parentPort?.on('message', (task: RecoveryTask) => {
  try {
    const log = PartitionLog.open({ ...task, dir: task.logDir, fs, clock });
    log.close();
    parentPort?.postMessage({ report: log.recoveryReport });
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
});
