import { Worker } from 'node:worker_threads';
import type { RecoveryExecutor, RecoveryTask } from './log-manager.js';
import type { RecoveryReport } from './partition-log.js';

/**
 * Recovers partitions on `threads` worker threads (num.recovery.threads.per.data.dir),
 * each opening a partition from the real disk, recovering it and closing it
 * cleanly. Use only with the node:fs file layer: workers read the same directories.
 */
export function workerRecoveryExecutor(threads: number): RecoveryExecutor {
  return async (tasks) => {
    const reports: RecoveryReport[] = new Array<RecoveryReport>(tasks.length);
    let next = 0;
    const runWorker = async (): Promise<void> => {
      const worker = startRecoveryWorker();
      try {
        while (next < tasks.length) {
          const index = next++;
          reports[index] = await recoverOne(worker, tasks[index]!);
        }
      } finally {
        await worker.terminate();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, tasks.length)) }, runWorker));
    return reports;
  };
}

function recoverOne(worker: Worker, task: RecoveryTask): Promise<RecoveryReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { report?: RecoveryReport; error?: string }) => {
      worker.off('error', onError);
      if (message.report !== undefined) resolve(message.report);
      else reject(new Error(`recovery of ${task.topic}-${task.partition} failed: ${message.error}`));
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(task);
  });
}

/** The worker runs the `.ts` source under vitest/tsx (through tsx's loader) and the built `.js` otherwise. */
function startRecoveryWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./recovery-worker.js', here));
  const entry = new URL('./recovery-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}
