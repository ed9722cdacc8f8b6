import type { Ceilings } from './ceilings.js';
import type { Acks, Compression } from './kcat.js';
import type { LatencyPoint } from './latency.js';
import type { PeerResult } from './peers.js';

/** Everything one `bench:e2e` run measured; written as JSON and rendered as a table and an HTML report. */
export interface E2eResults {
  date: string;
  machine: { cores: number; cpuModel: string; memoryBytes: number; node: string; commit: string; loadAverageBefore: number; loadAverageAfter: number };
  broker: { bootstrap: string; config: string };
  ceilings: Ceilings;
  produce: ProducePoint[];
  consume: ConsumePoint[];
  latency: LatencyPoint[];
  peers: PeerResult[];
  targets: TargetCheck[];
  /** Phases that failed (the run goes on without them). */
  errors: string[];
}

export interface ProducePoint {
  recordBytes: number;
  partitions: number;
  acks: Acks;
  compression: Compression;
  records: number;
  /** Records the topic holds afterwards (all of them unless acks=0 lost some). */
  stored: number;
  seconds: number;
  recordsPerSec: number;
  /** Uncompressed record bytes per second (what the producer offered). */
  mbPerSec: number;
  /** The broker process's CPU-seconds (every thread) per GB of records, from /proc. */
  brokerCpuSecondsPerGB: number;
  /** Bytes the broker's log dir grew by, sampled over the run: [seconds since the run started, MB/s]. */
  series: Array<[number, number]>;
}

export interface ConsumePoint {
  recordBytes: number;
  partitions: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  brokerCpuSecondsPerGB: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export function produceLabel(p: Pick<ProducePoint, 'recordBytes' | 'partitions' | 'acks' | 'compression'>): string {
  return `${formatBytes(p.recordBytes)} p=${p.partitions} acks=${p.acks} ${p.compression}`;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Checks the issue #6 targets against what was measured; a target with no measurement is reported as not met. */
export function checkTargets(results: Omit<E2eResults, 'targets' | 'errors'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const partitions of [1, 6]) {
    const point = results.produce.find((p) => p.recordBytes === 1024 && p.partitions === partitions && p.acks === '1' && p.compression === 'none');
    checks.push({
      name: `produce 1 KiB, acks=1, ${partitions} partition${partitions > 1 ? 's' : ''}`,
      target: '>= 300 MB/s',
      measured: point === undefined ? 'not run' : `${point.mbPerSec.toFixed(1)} MB/s`,
      met: point !== undefined && point.mbPerSec >= 300,
    });
  }
  const consume = results.consume.reduce<ConsumePoint | undefined>((best, c) => (best === undefined || c.mbPerSec > best.mbPerSec ? c : best), undefined);
  checks.push({
    name: 'consume from the beginning',
    target: '>= 600 MB/s',
    measured: consume === undefined ? 'not run' : `${consume.mbPerSec.toFixed(1)} MB/s`,
    met: consume !== undefined && consume.mbPerSec >= 600,
  });
  // Issue #16: the broker's CPU per GB, and the share of what kcat does against a null broker.
  const six = results.produce.find((p) => p.recordBytes === 1024 && p.partitions === 6 && p.acks === '1' && p.compression === 'none');
  checks.push({
    name: 'produce 1 KiB p=6: broker CPU per GB',
    target: '<= 1.0 s',
    measured: six === undefined ? 'not run' : `${six.brokerCpuSecondsPerGB.toFixed(2)} s`,
    met: six !== undefined && six.brokerCpuSecondsPerGB <= 1.0,
  });
  const ceiling = results.ceilings.nullBrokerProduceMBps;
  checks.push({
    name: 'produce 1 KiB p=6: share of the null-broker ceiling',
    target: '>= 0.9',
    measured: six === undefined || ceiling === undefined ? 'not run' : (six.mbPerSec / ceiling).toFixed(2),
    met: six !== undefined && ceiling !== undefined && six.mbPerSec / ceiling >= 0.9,
  });
  const consumeSix = results.consume.find((c) => c.recordBytes === 1024 && c.partitions === 6);
  checks.push({
    name: 'consume 1 KiB p=6: broker CPU per GB',
    target: '<= 0.5 s',
    measured: consumeSix === undefined ? 'not run' : `${consumeSix.brokerCpuSecondsPerGB.toFixed(2)} s`,
    met: consumeSix !== undefined && consumeSix.brokerCpuSecondsPerGB <= 0.5,
  });
  const half = results.latency.find((l) => l.loadFraction === 0.5);
  checks.push({
    name: 'p99 produce latency at 50% of peak',
    target: '< 5 ms',
    measured: half === undefined ? 'not run' : `${(half.produce.p99Us / 1000).toFixed(2)} ms${half.saturated ? ' (driver saturated)' : ''}`,
    met: half !== undefined && !half.saturated && half.produce.p99Us < 5000,
  });
  return checks;
}
