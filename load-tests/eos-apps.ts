import { spawn, type ChildProcess } from 'node:child_process';
import type { TransformerSpec } from './scenario.js';

const tsxLoader = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const entry = new URL('./eos-app.ts', import.meta.url).pathname;
/** How long a crashed or killed instance stays down before it is started again. */
const RESTART_DELAY_MS = 500;
const STOP_TIMEOUT_MS = 30_000;

/**
 * The instances of an exactly-once application (`eos-app.ts`), each its own
 * process: an instance that exits (killed with -9 by a fault, or ended by an
 * error it cannot recover from in place) is started again, as a process
 * supervisor would, until `stop()`.
 */
export class EosApps {
  private readonly children: (ChildProcess | null)[];
  private stopping = false;
  /** Starts after the first, per instance: kills and crashes both. */
  restarts = 0;
  readonly output: string[] = [];

  get instances(): number {
    return this.spec.instances;
  }

  constructor(
    private readonly spec: TransformerSpec,
    private readonly bootstrap: string,
  ) {
    this.children = Array.from({ length: spec.instances }, () => null);
  }

  start(): void {
    for (let i = 0; i < this.spec.instances; i++) this.launch(i);
  }

  /** kill -9 of one instance; it is started again after a short delay. */
  kill(instance: number): void {
    this.children[instance]?.kill('SIGKILL');
  }

  /** SIGTERM to every instance (each finishes its transaction), SIGKILL to any still running after a while. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async (child) => {
        if (child === null || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private launch(instance: number): void {
    const { input, output, groupId, instances } = this.spec;
    const args = ['--bootstrap', this.bootstrap, '--input', input, '--output', output, '--group', groupId, '--instance', String(instance), '--instances', String(instances)];
    const child = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children[instance] = child;
    const log = (chunk: Buffer): void => void this.output.push(...chunk.toString().split('\n').filter((l) => l !== ''));
    child.stdout!.on('data', log);
    child.stderr!.on('data', log);
    child.once('exit', () => {
      if (this.stopping) return;
      this.restarts++;
      setTimeout(() => {
        if (!this.stopping) this.launch(instance);
      }, RESTART_DELAY_MS);
    });
  }
}
