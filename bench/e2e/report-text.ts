import type { LatencyPercentiles } from '../latency-histogram.js';
import { formatTable } from '../table.js';
import { formatBytes, produceLabel, type E2eResults } from './results.js';

const mb = (v: number): string => v.toFixed(1);
const ratio = (v: number, of: number): string => (of > 0 ? `${((100 * v) / of).toFixed(0)}%` : '');
const ms = (us: number): string => (Number.isNaN(us) ? '-' : (us / 1000).toFixed(2));
const percentileCells = (p: LatencyPercentiles): string[] => [p.p50Us, p.p90Us, p.p99Us, p.p999Us, p.p9999Us, p.maxUs].map(ms);

/** The tables `bench:e2e` prints: every figure next to its ceiling, peers and targets last. */
export function formatResults(r: E2eResults): string {
  const { tcpLoopbackMBps: tcp, fileAppendMBps: disk } = r.ceilings;
  const sections: string[] = [];
  const busiest = Math.max(r.machine.loadAverageBefore, r.machine.loadAverageAfter);
  if (busiest > r.machine.cores) {
    sections.push(`warning: the machine was busy (1-minute load average up to ${busiest.toFixed(1)} on ${r.machine.cores} cores): figures are low and noisy`);
  }
  for (const error of r.errors) sections.push(`error: ${error}`);
  sections.push(
    formatTable(
      ['ceiling', 'MB/s'],
      [
        ['TCP loopback sink (Node, 1 MiB writes)', mb(tcp)],
        ['sequential file appends in the log dir', mb(disk)],
        ['kcat -P into a null broker (1 KiB, p=6, acks=1)', r.ceilings.nullBrokerProduceMBps === undefined ? '-' : mb(r.ceilings.nullBrokerProduceMBps)],
        ['kcat -C from a null broker (1 KiB, p=6)', r.ceilings.nullBrokerConsumeMBps === undefined ? '-' : mb(r.ceilings.nullBrokerConsumeMBps)],
      ],
    ),
  );
  if (r.produce.length > 0) {
    sections.push(
      formatTable(
        ['produce (kcat -P)', 'records/s', 'MB/s', 'of TCP', 'of disk', 'of null broker', 'broker CPU s/GB'],
        r.produce.map((p) => [
          produceLabel(p),
          Math.round(p.recordsPerSec).toString(),
          mb(p.mbPerSec),
          ratio(p.mbPerSec, tcp),
          ratio(p.mbPerSec, disk),
          ratio(p.mbPerSec, r.ceilings.nullBrokerProduceMBps ?? 0),
          p.brokerCpuSecondsPerGB.toFixed(2),
        ]),
      ),
    );
  }
  if (r.consume.length > 0) {
    sections.push(
      formatTable(
        ['consume (kcat -C -e, from the beginning)', 'records/s', 'MB/s', 'of TCP', 'of null broker', 'broker CPU s/GB'],
        r.consume.map((c) => [
          `${formatBytes(c.recordBytes)} p=${c.partitions}, ${c.records} records`,
          Math.round(c.recordsPerSec).toString(),
          mb(c.mbPerSec),
          ratio(c.mbPerSec, tcp),
          ratio(c.mbPerSec, r.ceilings.nullBrokerConsumeMBps ?? 0),
          c.brokerCpuSecondsPerGB.toFixed(2),
        ]),
      ),
    );
  }
  if (r.latency.length > 0) {
    sections.push(
      formatTable(
        ['latency at load (ms)', 'offered/s', 'achieved/s', 'produce p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'end-to-end p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max'],
        r.latency.map((l) => [
          `${Math.round(l.loadFraction * 100)}% of peak${l.saturated ? ' (saturated)' : ''}`,
          Math.round(l.offeredRecordsPerSec).toString(),
          Math.round(l.achievedRecordsPerSec).toString(),
          ...percentileCells(l.produce),
          ...percentileCells(l.endToEnd),
        ]),
      ),
    );
  }
  if (r.peers.length > 0) {
    const freshet = (acks: string) => r.produce.find((p) => p.recordBytes === 1024 && p.partitions === 1 && p.acks === acks && p.compression === 'none');
    const one = freshet('1');
    const all = freshet('all');
    sections.push(
      formatTable(
        ['peer (same 1 KiB records)', 'records/s', 'MB/s', 'Freshet acks=1 / peer', 'Freshet acks=all / peer'],
        r.peers.map((p) => [
          p.peer,
          Math.round(p.recordsPerSec).toString(),
          mb(p.mbPerSec),
          one === undefined ? '-' : `${(one.mbPerSec / p.mbPerSec).toFixed(2)}x`,
          all === undefined ? '-' : `${(all.mbPerSec / p.mbPerSec).toFixed(2)}x`,
        ]),
      ),
    );
  }
  sections.push(formatTable(['target', 'target', 'measured', 'met'], r.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : 'NO'])));
  return sections.join('\n');
}
