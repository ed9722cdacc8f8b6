// `npm run bench:logging [-- --mib 256 --rounds 2]`: what the node log costs the broker under full
// produce load (kcat, 1 KiB records, acks=1, 6 partitions), at log.level=info against silent, and
// with the request log on. Prints broker CPU-seconds per GB (from /proc/<pid>/stat, all threads)
// and, as the steadier figure, the lines logged times the measured CPU cost of one line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { createNodeLogger } from '../runtime/logger.js';
import { BenchAdmin } from './e2e/admin.js';
import { startBrokerNode } from './e2e/broker-node.js';
import { kcatProduce, writeRecordFile } from './e2e/kcat.js';
import { cpuSeconds } from './e2e/process-cpu.js';
import { formatTable } from './table.js';

const { Kafka, ConfigResourceTypes, logLevel } = kafkajs;
const { values: args } = parseArgs({ options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '2' } } });
const recordBytes = 1024;
const count = Math.floor((Number(args.mib) << 20) / recordBytes);
const rounds = Number(args.rounds);

// Set as dynamic broker configs once the node is up (it must print its start line first).
const configs: Array<{ name: string; dynamic: Record<string, string> }> = [
  { name: 'log.level=silent', dynamic: { 'log.level': 'silent' } },
  { name: 'log.level=info (default)', dynamic: { 'log.level': 'info' } },
  { name: 'info + request log (debug)', dynamic: { 'log.level': 'info', 'log.level.request': 'debug' } },
];

/** CPU time of one JSON info line through pino's asynchronous destination (to /dev/null), in µs. */
function lineCostUs(): number {
  const log = createNodeLogger({ nodeId: 1, format: 'json', levels: { level: 'debug', components: {} }, destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const request = log.child('request');
  const lines = 200_000;
  const fields = { api: 'Produce', apiVersion: 9, correlationId: 1, clientId: 'bench', principal: 'User:ANONYMOUS', partitions: 6, requestBytes: 1_000_000, responseBytes: 300, queueTimeMs: 0, processingTimeMs: 1.5 };
  for (let i = 0; i < 20_000; i++) request.debug('Completed request', fields);
  const before = process.cpuUsage();
  for (let i = 0; i < lines; i++) request.debug('Completed request', fields);
  log.flush();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / lines;
}

/** AlterConfigs (kafkajs) on broker 1. */
async function setBrokerConfigs(bootstrap: string, configs: Record<string, string>): Promise<void> {
  const admin = new Kafka({ clientId: 'freshet-bench-logging', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
  } finally {
    await admin.disconnect();
  }
}

const recordsDir = mkdtempSync(join(tmpdir(), 'freshet-logging-cost-'));
const recordFile = join(recordsDir, 'records.txt');
writeRecordFile(recordFile, recordBytes, count);
const perLineUs = lineCostUs();
const rows: string[][] = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const config of configs) {
      const broker = await startBrokerNode({ properties: ['log.format=json', 'num.io.threads=2'] });
      try {
        const admin = await BenchAdmin.connect(broker.bootstrap);
        await admin.createTopic('logging-cost', 6);
        await admin.close();
        await setBrokerConfigs(broker.bootstrap, config.dynamic);
        const pid = broker.running.process.pid!;
        // A warm-up eighth, then the measured run.
        await kcatProduce({ bootstrap: broker.bootstrap, topic: 'logging-cost', file: recordFile, acks: '1', compression: 'none', count: Math.floor(count / 8) });
        const linesBefore = broker.running.output().split('\n').length;
        const cpuBefore = cpuSeconds(pid);
        const run = await kcatProduce({ bootstrap: broker.bootstrap, topic: 'logging-cost', file: recordFile, acks: '1', compression: 'none', count });
        const cpu = cpuSeconds(pid) - cpuBefore;
        const lines = broker.running.output().split('\n').length - linesBefore;
        const gb = (count * recordBytes) / 1e9;
        const loggingShare = (lines * perLineUs) / 1e6 / cpu;
        rows.push([config.name, String(round + 1), (gb / run.seconds * 1000).toFixed(0), cpu.toFixed(2), (cpu / gb).toFixed(2), String(lines), `${(loggingShare * 100).toFixed(3)}%`]);
        process.stderr.write(`${rows.at(-1)!.join('  ')}\n`);
      } finally {
        await broker.stop();
      }
    }
  }
} finally {
  rmSync(recordsDir, { recursive: true, force: true });
}
console.log(`one JSON log line costs ${perLineUs.toFixed(2)} µs of CPU (pino, asynchronous destination); ${count} records of ${recordBytes} B per run`);
console.log(formatTable(['config', 'round', 'MB/s', 'broker CPU s', 'CPU s/GB', 'lines logged', 'lines x cost / CPU'], rows));
console.log('The machine is shared with other work: compare rounds before reading much into CPU s/GB differences.');
