import { statfs } from 'node:fs/promises';
import type { BrokerMetrics } from './broker-metrics.js';

/** Free and total bytes of the file system under each `log.dirs` entry: a full disk takes its partitions offline. */
export function registerLogDirMetrics(metrics: BrokerMetrics, logDirs: readonly string[]): void {
  const usage = async () =>
    Promise.all(
      logDirs.map(async (dir) => {
        const stats = await statfs(dir);
        // bavail, not bfree: the blocks reserved for root are not ours to fill.
        return { dir, free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
      }),
    );
  metrics.gauge({
    name: 'freshet_log_dir_free_bytes',
    help: 'Bytes free for the broker on the file system of each log dir.',
    labelNames: ['dir'],
    async collect() {
      for (const { dir, free } of await usage()) this.set({ dir }, free);
    },
  });
  metrics.gauge({
    name: 'freshet_log_dir_total_bytes',
    help: 'Size in bytes of the file system of each log dir.',
    labelNames: ['dir'],
    async collect() {
      for (const { dir, total } of await usage()) this.set({ dir }, total);
    },
  });
}
