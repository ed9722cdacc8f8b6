import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const entry = fileURLToPath(new URL('./null-broker.ts', import.meta.url));

export interface NullBroker {
  readonly bootstrap: string;
  readonly pid: number;
  /** Records each partition serves to consumers (whole 1 MiB batches). */
  readonly recordsPerPartition: number;
  stop(): Promise<void>;
}

/** Starts `null-broker.ts` in its own process (so its CPU is its own) and waits until it listens. */
export function startNullBroker(options: { partitions: number; recordsPerPartition: number; recordBytes: number }): Promise<NullBroker> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, entry, '--partitions', String(options.partitions), '--records-per-partition', String(options.recordsPerPartition), '--record-bytes', String(options.recordBytes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error('the null broker did not start within 30 s'));
    }, 30_000);
    let printed = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /listening on (\d+) with (\d+) records per partition/.exec(printed);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ bootstrap: `127.0.0.1:${match[1]}`, pid: child.pid!, recordsPerPartition: Number(match[2]), stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the null broker exited (${code}) before listening`));
    });
  });
}
