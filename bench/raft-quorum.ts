// Real-process numbers for the metadata quorum (run: `npx tsx bench/raft-quorum.ts [seconds] [failovers]`):
// three `process.roles=controller` processes and one broker on loopback, as an operator runs them.
//  - commit throughput and latency of small metadata records: IncrementalAlterConfigs SET of one topic
//    config (one ConfigRecord each, committed on a majority with fsync) sent to the active controller
//    from several connections, against a DescribeCluster round trip to the same listener (no commit);
//  - failover: kill -9 of the leader until a survivor names a new active controller (median of runs).
import { BrokerConnection } from '../client/broker-connection.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { DescribeClusterResponse } from '../core/protocol/generated/messages/describe-cluster.js';
import type { IncrementalAlterConfigsResponse } from '../core/protocol/generated/messages/incremental-alter-configs.js';
import type { CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { startControllerQuorum, type ClusterProcess } from '../test/support/controller-quorum.js';
import { LatencyHistogram } from './latency-histogram.js';
import { formatTable } from './table.js';

const seconds = Number(process.argv[2] ?? 5);
const failovers = Number(process.argv[3] ?? 5);
const CONNECTIONS = Number(process.env["CONNECTIONS"] ?? 8);
const ELECTION_TIMEOUT_MS = 1000;

const cluster = await startControllerQuorum({
  controllers: 3,
  brokers: 1,
  properties: { 'controller.quorum.election.timeout.ms': ELECTION_TIMEOUT_MS, 'controller.quorum.fetch.timeout.ms': ELECTION_TIMEOUT_MS },
});

const connect = (p: ClusterProcess) => BrokerConnection.connect('127.0.0.1', p.port, { clientId: 'raft-bench', requestTimeoutMs: 10_000 });

async function activeController(candidates: readonly ClusterProcess[]): Promise<ClusterProcess | undefined> {
  for (const candidate of candidates) {
    if (!candidate.running()) continue;
    try {
      const c = await connect(candidate);
      try {
        const r = await c.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 2 }, 1);
        const leader = cluster.controllers.find((p) => p.nodeId === r.controllerId);
        if (leader !== undefined && leader.running()) return leader;
      } finally {
        c.close();
      }
    } catch {
      // not up yet
    }
  }
  return undefined;
}

/** The active controller once one is elected (the quorum may still be electing right after start or a kill). */
async function waitForActiveController(candidates: readonly ClusterProcess[]): Promise<ClusterProcess> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const leader = await activeController(candidates);
    if (leader !== undefined) return leader;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no active controller within 30 s');
}

/** Runs `op` from CONNECTIONS connections for `seconds`; returns ops/s and latency percentiles in ms. */
async function load(target: ClusterProcess, op: (c: BrokerConnection, i: number) => Promise<void>): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(target)));
  const latencies = new LatencyHistogram();
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    connections.map(async (c, n) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        await op(c, n * 1_000_000 + i);
        latencies.recordUs((performance.now() - t0) * 1000);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const c of connections) c.close();
  const { p50Us, p99Us } = latencies.percentiles();
  return { opsPerSec: latencies.count / elapsed, p50: p50Us / 1000, p99: p99Us / 1000 };
}

const rows: string[][] = [];
try {
  const leader = await waitForActiveController(cluster.controllers);
  const broker = await BrokerConnection.connect('127.0.0.1', cluster.brokers[0]!.port, { clientId: 'raft-bench', requestTimeoutMs: 30_000 });
  const created = await broker.request<CreateTopicsResponse>(ApiKey.CreateTopics, { topics: [{ name: 'bench', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false }, 7);
  if (created.topics[0]?.errorCode !== 0) throw new Error(`create failed: ${JSON.stringify(created.topics[0])}`);
  broker.close();

  const roundTrip = await load(leader, async (c) => {
    await c.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 2 }, 1);
  });
  rows.push(['baseline: DescribeCluster round trip (no commit)', roundTrip.opsPerSec.toFixed(0), roundTrip.p50.toFixed(2), roundTrip.p99.toFixed(2), '1.00x']);
  const commits = await load(leader, async (c, i) => {
    const r = await c.request<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, { validateOnly: false, resources: [{ resourceType: 2, resourceName: 'bench', configs: [{ name: 'retention.ms', configOperation: 0, value: String(60_000 + i) }] }] }, 1);
    if (r.responses[0]?.errorCode !== 0) throw new Error(`alter failed with ${r.responses[0]?.errorCode}\n${cluster.controllers.map((p) => p.output().split("\n").filter((l) => l.includes("Raft node")).join("\n")).join("\n")}`);
  });
  rows.push(['IncrementalAlterConfigs: 1 ConfigRecord committed (3 voters, fsync)', commits.opsPerSec.toFixed(0), commits.p50.toFixed(2), commits.p99.toFixed(2), `${(commits.opsPerSec / roundTrip.opsPerSec).toFixed(2)}x`]);

  const failoverMs: number[] = [];
  for (let run = 0; run < failovers; run++) {
    const current = await waitForActiveController(cluster.controllers);
    const survivors = cluster.controllers.filter((p) => p !== current);
    const killedAt = performance.now();
    await current.kill();
    let next: ClusterProcess | undefined;
    while (next === undefined || next === current) {
      next = await activeController(survivors);
      if (next === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    failoverMs.push(performance.now() - killedAt);
    await current.start();
    // Let the restarted voter catch up before the next kill.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  const failover = LatencyHistogram.percentilesOf(failoverMs.map((ms) => ms * 1000));
  rows.push([`failover after kill -9 of the leader (median of ${failovers}; election timeout ${ELECTION_TIMEOUT_MS} ms)`, '', (failover.p50Us / 1000).toFixed(0), (failover.maxUs / 1000).toFixed(0), '']);
} finally {
  await cluster.destroy();
}
console.log(formatTable(['case', 'ops/s', 'p50 ms', 'p99/max ms', 'vs baseline'], rows));
