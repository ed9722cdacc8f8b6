import { spawn, type ChildProcess } from 'node:child_process';
import { kcatPath } from './kcat.js';

export interface Received {
  partition: number;
  offset: number;
  value: string;
  atMs: number;
}

/** A kcat balanced consumer: what it printed (partition, offset, value) and how its assignment moved. */
export class KcatMember {
  readonly received: Received[] = [];
  assignment = new Set<number>();
  /** Every rebalance callback, in order: what it assigned or revoked. */
  readonly rebalances: Array<{ kind: 'assign' | 'revoke'; incremental: boolean; partitions: number[]; atMs: number }> = [];
  private child: ChildProcess;
  private stdout = '';
  private stderr = '';

  constructor(readonly name: string, private readonly args: string[]) {
    this.child = this.launch();
  }

  private launch(): ChildProcess {
    const child = spawn(kcatPath!, ['-u', '-f', '%p %o %s\\n', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      const lines = this.stdout.split('\n');
      this.stdout = lines.pop()!;
      for (const line of lines) {
        const [partition, offset, value] = line.split(' ');
        this.received.push({ partition: Number(partition), offset: Number(offset), value: value!, atMs: Date.now() });
      }
    });
    let pending = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) this.onLog(line);
    });
    return child;
  }

  private onLog(line: string): void {
    if (!line.includes('rebalanced')) return;
    const partitions = [...line.matchAll(/ \[(\d+)\]/g)].map((m) => Number(m[1]));
    const incremental = line.includes('incremental');
    const kind = line.includes('revoke') ? 'revoke' : 'assign';
    this.rebalances.push({ kind, incremental, partitions, atMs: Date.now() });
    if (kind === 'revoke') for (const p of partitions) this.assignment.delete(p);
    else {
      if (!incremental) this.assignment.clear();
      for (const p of partitions) this.assignment.add(p);
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('close', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Starts the same command again (same group.instance.id, if any). */
  restart(): void {
    this.assignment.clear();
    this.child = this.launch();
  }

  diagnostics(): string {
    return `${this.name}: assignment=${JSON.stringify([...this.assignment])} received=${this.received.length}\n${this.stderr}`;
  }
}
