import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerQuorum, type ClusterProcess, type ControllerQuorum } from './support/controller-quorum.js';
import { metricSample } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { clusterProperties, consumeAll, createTopic, logBytes, partitionState, produce, TOPIC } from './support/replication.js';

describe.runIf(requireKcat())('replication factor 3 on three combined nodes started through the CLI', () => {
  let cluster: ControllerQuorum;
  const nodes = () => cluster.controllers;

  beforeAll(async () => {
    cluster = await startControllerQuorum({ controllers: 3, combined: true, properties: clusterProperties, metrics: true });
    await createTopic(nodes());
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('copies every acks=all record byte for byte to both followers, and consumers read them all once, in order', async () => {
    expect(await produce(nodes(), 'a', 50)).toEqual(Array(50).fill('ok'));
    const leaderLog = () => logBytes(nodes().find((n) => n.nodeId === leaderId)!);
    const { leader: leaderId, isr } = await partitionState(nodes());
    expect(isr).toEqual([1, 2, 3]);
    // acks=all answered means the ISR had it: each replica's segment holds the leader's batches as they were appended.
    await expect.poll(() => nodes().map((n) => logBytes(n).length), { timeout: 10_000 }).toEqual(Array(3).fill(leaderLog().length));
    for (const node of nodes()) expect(logBytes(node).equals(leaderLog())).toBe(true);
    const seen = await consumeAll(nodes());
    expect(seen.map((m) => m.value)).toEqual(Array.from({ length: 50 }, (_, i) => `a-${i}`));
    expect(seen.map((m) => m.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 60_000);

  it('shrinks the ISR when a follower dies and still accepts acks=all with two in sync', async () => {
    const { leader } = await partitionState(nodes());
    const follower = nodes().find((n) => n.nodeId !== leader)!;
    await follower.kill();
    const alive = nodes().filter((n) => n !== follower);
    // As in Kafka, a dead follower that missed nothing is still caught up: the first write after it died waits
    // until it has lagged replica.lag.time.max.ms and the leader drops it from the ISR, then it is answered.
    expect(await produce(alive, 'b', 10)).toEqual(Array(10).fill('ok'));
    expect((await partitionState(alive)).isr).toEqual(alive.map((n) => n.nodeId).sort());
    // The leader asked for it (AlterPartition), long before the controller would fence the dead broker.
    expect(alive.find((n) => n.nodeId === leader)!.output()).toMatch(new RegExp(`ISR of ${TOPIC}-0 is now \\[`));
    const seen = await consumeAll(alive);
    expect(seen.slice(50).map((m) => m.value)).toEqual(Array.from({ length: 10 }, (_, i) => `b-${i}`));
  }, 60_000);

  it('brings a restarted follower back: it catches up, rejoins the ISR and holds the same bytes', async () => {
    const dead = nodes().find((n) => !n.running())!;
    await dead.start();
    await expect.poll(async () => (await partitionState(nodes())).isr, { timeout: 20_000, interval: 500 }).toEqual([1, 2, 3]);
    const leaderId = (await partitionState(nodes())).leader;
    const leaderLog = logBytes(nodes().find((n) => n.nodeId === leaderId)!);
    await expect.poll(() => logBytes(dead).length, { timeout: 10_000 }).toBe(leaderLog.length);
    expect(logBytes(dead).equals(leaderLog)).toBe(true);
  }, 60_000);

  it('reports each follower lag on the leader and on the follower, 0 once caught up, and counts the bytes the fetchers copied', async () => {
    const { leader, isr } = await partitionState(nodes());
    expect(isr).toEqual([1, 2, 3]);
    const leaderNode = cluster.node(leader);
    const [paused, other] = nodes().filter((n) => n.nodeId !== leader) as [ClusterProcess, ClusterProcess];
    const sample = async (node: ClusterProcess, name: string, labels: Record<string, string>) => metricSample(await node.metrics(), name, labels);
    const partition = { topic: TOPIC, partition: '0' };
    const leaderView = (follower: ClusterProcess) => sample(leaderNode, 'freshet_replica_follower_lag_records', { ...partition, replica: String(follower.nodeId) });
    const fetched = (follower: ClusterProcess) => sample(follower, 'freshet_replica_fetcher_bytes_total', { source_broker: String(leader) });
    await expect.poll(async () => [await leaderView(paused), await leaderView(other)], { timeout: 10_000 }).toEqual([0, 0]);
    const fetchedBefore = [(await fetched(paused))!, (await fetched(other))!];
    const leaderLogBefore = logBytes(leaderNode).length;
    process.kill(paused.pid(), 'SIGSTOP');
    try {
      // acks=1: answered by the leader alone, so the paused follower falls exactly these records behind.
      const lines = Array.from({ length: 10 }, (_, i) => `lag-${i}`).join('\n');
      const run = await runKcat(['-P', '-b', [leaderNode, other].map((n) => n.clientAddress!).join(','), '-t', TOPIC, '-p', '0', '-X', 'acks=1'], lines);
      expect(run.code, run.stderr).toBe(0);
      await expect.poll(() => leaderView(paused), { timeout: 10_000 }).toBe(10);
      await expect.poll(() => leaderView(other), { timeout: 10_000 }).toBe(0);
    } finally {
      process.kill(paused.pid(), 'SIGCONT');
    }
    await expect.poll(() => leaderView(paused), { timeout: 10_000 }).toBe(0);
    for (const follower of [paused, other]) await expect.poll(() => sample(follower, 'freshet_replica_lag_records', partition), { timeout: 10_000 }).toBe(0);
    const produced = logBytes(leaderNode).length - leaderLogBefore;
    expect(produced).toBeGreaterThan(0);
    // Every byte the leader appended crossed each follower's fetcher at least once.
    await expect.poll(async () => (await fetched(paused))! - fetchedBefore[0]!, { timeout: 10_000 }).toBeGreaterThanOrEqual(produced);
    expect((await fetched(other))! - fetchedBefore[1]!).toBeGreaterThanOrEqual(produced);
    expect(await sample(other, 'freshet_replica_fetcher_requests_total', { source_broker: String(leader), result: 'success' })).toBeGreaterThan(0);
    // The paused follower may have left the ISR meanwhile: it rejoins once caught up.
    await expect.poll(async () => (await partitionState(nodes())).isr, { timeout: 20_000, interval: 500 }).toEqual([1, 2, 3]);
  }, 60_000);
});
