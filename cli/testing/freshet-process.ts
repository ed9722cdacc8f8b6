import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Runs the `freshet` CLI from its TypeScript sources in a child process, the
 * way a user runs the built command, for tests that must see what a user sees:
 * exit codes, printed lines, listening ports.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const entry = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface FreshetRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `nodeArgs` go to node itself (e.g. `--cpu-prof`, which NODE_OPTIONS refuses); stdin is a pipe only when `withStdin`. */
function spawnFreshet(args: readonly string[], cwd = root, nodeArgs: readonly string[] = [], withStdin = false): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', tsxLoader, entry, ...args], { cwd, stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
}

/** Runs a command to completion, with `input` (if any) on its stdin. */
export function runFreshet(args: readonly string[], cwd = root, input?: string): Promise<FreshetRun> {
  const child = spawnFreshet(args, cwd, [], input !== undefined);
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export interface RunningFreshet {
  readonly process: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when a printed line matches, with the match; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command (server-start) and watches its output. */
export function startFreshet(args: readonly string[], cwd = root, nodeArgs: readonly string[] = []): RunningFreshet {
  const child = spawnFreshet(args, cwd, nodeArgs);
  let output = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const watcher of watchers) watcher();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    waitForLine: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match === null) return;
          cleanup();
          resolve(match);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        void exited.then(() => {
          if (!watchers.has(check)) return;
          cleanup();
          reject(new Error(`freshet exited before printing ${pattern}; output:\n${output}`));
        });
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A port that was free a moment ago (the OS picks it), for configs that must name their ports. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose `count` ports `step` apart were all free a moment ago, for commands that place
 * several listeners from one base (the dev cluster). Tries random bases in 20000–59999, bounded.
 */
export async function freePortRange(count: number, step = 1): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, i) => base + i * step);
    if ((await Promise.all(ports.map(canBind))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} free ports ${step} apart found`);
}
