import { Piscina } from 'piscina';
import type { CompressionCodec } from '../protocol/record-batch-header.js';
import type { RecompressResult } from './background-jobs.js';

export interface BackgroundPoolOptions {
  /** Kafka's `background.threads` (default 10). */
  readonly threads: number;
  /** Most jobs waiting for a thread; beyond it `run` rejects (back-pressure, not unbounded growth). */
  readonly maxQueue?: number;
}

/**
 * A piscina pool for stateless CPU work (recompression of produced batches,
 * CRC of large batches): any thread may take any job, unlike actors, which are
 * pinned. Job modules are `.js` in production and `.ts` under tsx.
 */
export class BackgroundPool {
  private readonly piscina: Piscina;
  private readonly jobs: string;
  private readonly maxQueue: number;

  constructor(options: BackgroundPoolOptions) {
    const fromSource = import.meta.url.endsWith('.ts');
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`background.threads must be a positive integer, got ${options.threads}`);
    this.jobs = new URL(fromSource ? './background-jobs.ts' : './background-jobs.js', import.meta.url).href;
    this.maxQueue = options.maxQueue ?? options.threads * 64;
    this.piscina = new Piscina({
      minThreads: 0,
      maxThreads: options.threads,
      maxQueue: this.maxQueue,
      idleTimeout: 10_000,
      execArgv: fromSource ? [...process.execArgv, '--import', 'tsx'] : [...process.execArgv],
    });
  }

  /** CRC-32C of `bytes`, computed on a pool thread (the bytes are copied once to be transferred). */
  async crc32c(bytes: Uint8Array): Promise<number> {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return (await this.piscina.run({ bytes: copy }, { filename: this.jobs, name: 'crc32cJob', transferList: [copy] })) as number;
  }

  /** A produced batch recompressed to `codec` on a pool thread (recompressJob); the caller's bytes are copied once to be transferred. */
  recompress(batch: Uint8Array, codec: CompressionCodec): Promise<RecompressResult> {
    const copy = batch.buffer.slice(batch.byteOffset, batch.byteOffset + batch.byteLength) as ArrayBuffer;
    return this.piscina.run({ batch: copy, codec }, { filename: this.jobs, name: 'recompressJob', transferList: [copy] }) as Promise<RecompressResult>;
  }

  /** Runs an exported function of another job module (e.g. compaction in core/log). */
  run<Result>(moduleUrl: string | URL, exportName: string, input: unknown, transferList: ArrayBuffer[] = []): Promise<Result> {
    return this.piscina.run(input, { filename: moduleUrl.toString(), name: exportName, transferList }) as Promise<Result>;
  }

  /** Whether a job now would be refused: as many wait as the queue holds. */
  get saturated(): boolean {
    return this.piscina.queueSize >= this.maxQueue;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
