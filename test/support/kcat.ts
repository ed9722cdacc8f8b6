import { spawn, spawnSync } from 'node:child_process';

/** kcat's path, or null when it is not installed. */
export const kcatPath: string | null = (() => {
  const found = spawnSync('which', ['kcat'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : null;
})();

/**
 * Whether tests needing kcat should run. Missing kcat skips them with a
 * printed reason, except under CI=true where it is a failure.
 */
export function requireKcat(): boolean {
  if (kcatPath !== null) return true;
  if (process.env['CI'] === 'true') throw new Error('kcat is not installed (apt-get install -y kcat); CI needs it');
  console.warn('kcat is not installed: skipping the kcat tests');
  return false;
}

export interface KcatRun {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs kcat with `args`, feeding `input` on stdin. */
export function runKcat(args: readonly string[], input?: Buffer | string, timeoutMs = 60_000): Promise<KcatRun> {
  if (kcatPath === null) throw new Error('kcat is not installed');
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
