// `npm run bench:console [-- --mib 512 --idle-seconds 20 --rounds 2]`: what an open console page
// costs the broker. A node started as a user starts it (console on); Debian's headless Chromium
// keeps a topic's page open (it refreshes every 5 s, the node samples its series every 5 s).
// Broker CPU from /proc/<pid>/stat, every thread: idle with and without the page (the console's
// own cost, precisely), and under kcat produce load with and without it (the share that matters).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../cli/testing/freshet-process.js';
import { launchChromium } from '../test/support/chromium.js';
import { BenchAdmin } from './e2e/admin.js';
import { startBrokerNode } from './e2e/broker-node.js';
import { kcatProduce, writeRecordFile } from './e2e/kcat.js';
import { cpuSeconds } from './e2e/process-cpu.js';
import { formatTable } from './table.js';

const { values: args } = parseArgs({ options: { mib: { type: 'string', default: '512' }, 'idle-seconds': { type: 'string', default: '20' }, rounds: { type: 'string', default: '2' } } });
const recordBytes = 1024;
const count = Math.floor((Number(args.mib) << 20) / recordBytes);
const idleSeconds = Number(args['idle-seconds']);
const topic = 'console-cost';

const recordsDir = mkdtempSync(join(tmpdir(), 'freshet-console-cost-'));
const recordFile = join(recordsDir, 'records.txt');
writeRecordFile(recordFile, recordBytes, count);
const metricsPort = await freePort();
const broker = await startBrokerNode({ properties: ['num.io.threads=2', `metrics.port=${metricsPort}`] });
let browser: Browser | undefined;
const rows: string[][] = [];
try {
  const admin = await BenchAdmin.connect(broker.bootstrap);
  await admin.createTopic(topic, 6);
  await admin.close();
  const pid = broker.running.process.pid!;
  browser = await launchChromium();
  let page: Page | null = null;
  const setPage = async (open: boolean): Promise<void> => {
    if (open && page === null) {
      page = await browser!.newPage();
      await page.goto(`http://127.0.0.1:${metricsPort}/#/topics/${topic}`);
      await page.waitForSelector('[data-testid=partitions]');
    } else if (!open && page !== null) {
      await page.close();
      page = null;
    }
  };
  // A warm-up load: the JIT and the page cache settle before anything is measured.
  await kcatProduce({ bootstrap: broker.bootstrap, topic, file: recordFile, acks: '1', compression: 'none', count: Math.floor(count / 4) });
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const open of [false, true]) {
      await setPage(open);
      let before = cpuSeconds(pid);
      const idleStart = performance.now();
      await sleep(idleSeconds * 1000);
      const idleRate = (cpuSeconds(pid) - before) / ((performance.now() - idleStart) / 1000);
      before = cpuSeconds(pid);
      const run = await kcatProduce({ bootstrap: broker.bootstrap, topic, file: recordFile, acks: '1', compression: 'none', count });
      const loadCpu = cpuSeconds(pid) - before;
      rows.push([String(round), open ? 'open' : 'closed', (idleRate * 1000).toFixed(1), ((count * recordBytes) / 1e6 / run.seconds).toFixed(0), (loadCpu / run.seconds).toFixed(3), (loadCpu / ((count * recordBytes) / 1e9)).toFixed(2)]);
      process.stderr.write(`${rows.at(-1)!.join('  ')}\n`);
    }
  }
  await setPage(false);
} finally {
  await browser?.close();
  await broker.stop();
  rmSync(recordsDir, { recursive: true, force: true });
}
console.log(formatTable(['round', 'console page', 'idle broker CPU ms/s', 'load MB/s', 'load broker CPU s/s', 'load CPU s/GB'], rows));
const mean = (page: string, column: number): number => {
  const values = rows.filter((row) => row[1] === page).map((row) => Number(row[column]));
  return values.reduce((a, b) => a + b, 0) / values.length;
};
const consoleCost = (mean('open', 2) - mean('closed', 2)) / 1000;
console.log(
  `The open page costs the broker ${(consoleCost * 1000).toFixed(1)} ms of CPU per second (idle difference): ` +
    `${((consoleCost / mean('closed', 4)) * 100).toFixed(2)}% of the broker's CPU under load (target < 1%). ` +
    `Under load with the page open the broker used ${(((mean('open', 4) - mean('closed', 4)) / mean('closed', 4)) * 100).toFixed(1)}% more CPU per second (noisier: one shared 2-core machine).`,
);
