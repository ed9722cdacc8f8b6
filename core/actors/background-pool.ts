import { Piscina } from 'piscina';

export interface BackgroundPoolOptions {
  /** Kafka's `background.threads` (default 10). */
  readonly threads: number;
  /** Most jobs waiting for a thread; beyond it `run` rejects (back-pressure, not unbounded growth). */
  readonly maxQueue?: number;
}

/**
 * A piscina pool for stateless CPU work (CRC of large batches, compression,
 * compaction, index rebuilds): any thread may take any job, unlike actors,
 * which are pinned. Job modules are `.js` in production and `.ts` under tsx.
 */
export class BackgroundPool {
  private readonly piscina: Piscina;
  private readonly crcJobs: string;

  constructor(options: BackgroundPoolOptions) {
    const fromSource = import.meta.url.endsWith('.ts');
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`background.threads must be a positive integer, got ${options.threads}`);
    this.crcJobs = new URL(fromSource ? './background-jobs.ts' : './background-jobs.js', import.meta.url).href;
    this.piscina = new Piscina({
      minThreads: 0,
      maxThreads: options.threads,
      maxQueue: options.maxQueue ?? options.threads * 64,
      idleTimeout: 10_000,
      execArgv: fromSource ? [...process.execArgv, '--import', 'tsx'] : [...process.execArgv],
    });
  }

  /** CRC-32C of `bytes`, computed on a pool thread (the bytes are copied once to be transferred). */
  async crc32c(bytes: Uint8Array): Promise<number> {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return (await this.piscina.run({ bytes: copy }, { filename: this.crcJobs, name: 'crc32cJob', transferList: [copy] })) as number;
  }

  /** Runs an exported function of another job module (e.g. compaction in core/log). */
  run<Result>(moduleUrl: string | URL, exportName: string, input: unknown, transferList: ArrayBuffer[] = []): Promise<Result> {
    return this.piscina.run(input, { filename: moduleUrl.toString(), name: exportName, transferList }) as Promise<Result>;
  }

  get queueSize(): number {
    return this.piscina.queueSize;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
