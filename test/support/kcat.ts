import { spawn } from 'node:child_process';
import { kcatPath } from '../../bench/e2e/kcat.js';

export { kcatPath };

/**
 * Whether tests needing kcat should run: when it is installed, and under CI=true also when it
 * is not (they fail, each saying so, and are counted). Elsewhere they skip with a printed reason.
 */
export function requireKcat(): boolean {
  if (kcatPath !== undefined || process.env['CI'] === 'true') return true;
  console.warn('kcat is not installed (apt-get install -y kcat): skipping the kcat tests');
  return false;
}

export interface KcatRun {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs kcat with `args`, feeding `input` on stdin. */
export function runKcat(args: readonly string[], input?: Buffer | string, timeoutMs = 60_000): Promise<KcatRun> {
  if (kcatPath === undefined) throw new Error('kcat is not installed (apt-get install -y kcat); CI needs it');
  const child = spawn(kcatPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stdin.on('error', () => {});
  child.stdin.end(input ?? '');
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    }),
  );
}
