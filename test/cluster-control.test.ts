import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { freePort, runFreshet } from '../cli/testing/freshet-process.js';
import { liveBrokerIds, partitionInfo } from './support/cluster-partitions.js';
import { startControllerQuorum, type ControllerQuorum } from './support/controller-quorum.js';
import { metricValue } from './support/freshet-node.js';

const { Kafka, logLevel } = kafkajs;
const SESSION_TIMEOUT_MS = 3000;
/** Bounds for what the controller does within a session timeout, with slack for a loaded 2-core machine. */
const FENCE_BOUND_MS = SESSION_TIMEOUT_MS + 5000;
const RACKS: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-a', 101: 'rack-b' };

/**
 * Three combined voters and one broker-only node (101) on one cluster: the broker-only node leads the
 * partitions under test, so killing it never costs the quorum its majority.
 */
describe('the controller on a cluster of combined and broker-only nodes', () => {
  let cluster: ControllerQuorum;
  let bootstrap: string;
  const kafka = () => new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'election-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const createTopic = async (topic: string, replicas: number[], configEntries: { name: string; value: string }[] = []): Promise<void> => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }], configEntries }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  };
  /** Metadata as seen from node 2 (never killed here). */
  const view = (topic: string) => partitionInfo(cluster.node(2).clientAddress!, topic);
  const metricsPorts = new Map<number, number>();
  /** One metric summed over the running nodes (controller metrics: only the active controller counts). */
  const clusterMetric = async (name: string): Promise<number> => {
    let sum = 0;
    for (const [id, port] of metricsPorts) if (cluster.node(id).running()) sum += metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name);
    return sum;
  };
  const waitUntilLive = (nodeId: number) => expect.poll(() => liveBrokerIds(bootstrap), { timeout: FENCE_BOUND_MS, interval: 100 }).toContain(nodeId);

  beforeAll(async () => {
    for (const id of [1, 2, 3, 101]) metricsPorts.set(id, await freePort());
    cluster = await startControllerQuorum({
      controllers: 3,
      combined: true,
      brokers: 1,
      properties: {
        'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
        'broker.heartbeat.interval.ms': 250,
        'auto.leader.rebalance.enable': 'false',
        'num.partitions': 1,
      },
      nodeProperties: (nodeId) => ({ 'broker.rack': RACKS[nodeId]!, 'metrics.port': metricsPorts.get(nodeId)! }),
    });
    bootstrap = cluster.node(2).clientAddress!;
    await vi.waitFor(async () => expect(await liveBrokerIds(bootstrap)).toEqual([1, 2, 3, 101]), { timeout: 30_000, interval: 100 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('spreads a new topic\'s replicas over the racks of broker.rack', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'racks', numPartitions: 8, replicationFactor: 2 }], waitForLeaders: true });
      const { brokers } = await admin.describeCluster();
      expect(brokers.length).toBe(4);
      const { partitions } = (await admin.fetchTopicMetadata({ topics: ['racks'] })).topics[0]!;
      expect(partitions).toHaveLength(8);
      for (const p of partitions) expect(new Set(p.replicas.map((id) => RACKS[id]))).toEqual(new Set(['rack-a', 'rack-b']));
      // Leaders spread evenly: each broker leads two of the eight.
      const leads = new Map<number, number>();
      for (const p of partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
      expect([...leads.values()]).toEqual([2, 2, 2, 2]);
    } finally {
      await admin.disconnect();
    }
  });

  it('fences a leader killed with -9 after broker.session.timeout.ms and elects another ISR member in a new leader epoch', async () => {
    await createTopic('fenced', [101, 1, 2]);
    const before = (await view('fenced'))!;
    expect(before).toMatchObject({ leaderId: 101, isr: [101, 1, 2], offlineReplicas: [] });
    const killedAt = Date.now();
    await cluster.node(101).kill();
    await expect.poll(async () => (await view('fenced'))?.leaderId, { timeout: FENCE_BOUND_MS, interval: 50 }).toBe(1);
    const electedMs = Date.now() - killedAt;
    expect(electedMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 500);
    console.log(`kill -9 of the leader to a new leader in Metadata: ${electedMs} ms (broker.session.timeout.ms ${SESSION_TIMEOUT_MS})`);
    expect(await view('fenced')).toMatchObject({ errorCode: ErrorCode.NONE, leaderId: 1, leaderEpoch: before.leaderEpoch + 1, isr: [1, 2], offlineReplicas: [101] });
    const described = await runFreshet(['topics', '--bootstrap-server', bootstrap, '--describe', '--topic', 'fenced']);
    expect(described.stdout).toMatch(/Partition: 0\tLeader: 1\tReplicas: 101,1,2\tIsr: 1,2\tOffline: 101\n/);

    await cluster.node(101).start();
    await waitUntilLive(101);
    expect(await view('fenced')).toMatchObject({ leaderId: 1, offlineReplicas: [] });
  });

  it('moves leadership away on SIGTERM before the broker stops (controlled shutdown), without waiting for the session to expire', async () => {
    await createTopic('controlled', [101, 3, 1]);
    expect(await view('controlled')).toMatchObject({ leaderId: 101 });
    const stoppingAt = Date.now();
    await cluster.node(101).stop();
    const output = cluster.node(101).output();
    expect(output.indexOf('controlled shutdown accepted')).toBeGreaterThan(-1);
    expect(output.indexOf('controlled shutdown accepted')).toBeLessThan(output.indexOf('Freshet node 101 shut down'));
    // Committed before the broker stopped serving: node 2 shows it at once, well inside a session timeout.
    await expect.poll(async () => (await view('controlled'))?.leaderId, { timeout: 1000, interval: 20 }).toBe(3);
    console.log(`SIGTERM of the leader to a new leader in Metadata (controlled shutdown): ${Date.now() - stoppingAt} ms`);
    expect(await view('controlled')).toMatchObject({ isr: [3, 1], offlineReplicas: [101] });
    await cluster.node(101).start();
    await waitUntilLive(101);
  });

  it('keeps a partition whose ISR is gone offline (LEADER_NOT_AVAILABLE) until unclean.leader.election.enable lets an out-of-sync replica lead', async () => {
    await createTopic('unclean', [101, 3]);
    await cluster.node(3).kill();
    await expect.poll(async () => (await view('unclean'))?.isr, { timeout: FENCE_BOUND_MS, interval: 50 }).toEqual([101]);
    await cluster.node(101).kill();
    await expect.poll(async () => (await view('unclean'))?.leaderId, { timeout: FENCE_BOUND_MS, interval: 50 }).toBe(-1);
    await cluster.node(3).start();
    await waitUntilLive(3);
    // Broker 3 is back but was not in the ISR: unclean election is off by default, so no leader.
    const offline = (await view('unclean'))!;
    // 'unclean', and the 'racks' partitions placed on brokers 3 and 101.
    const offlineBefore = await clusterMetric('freshet_controller_offline_partitions');
    expect(offlineBefore).toBeGreaterThanOrEqual(1);
    expect(await clusterMetric('freshet_controller_unclean_leader_elections_total')).toBe(0);
    expect(offline).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, isr: [101], offlineReplicas: [101] });
    const producer = kafka().producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'unclean', messages: [{ value: 'lost?' }] })).rejects.toThrow('There is no leader for this topic-partition');
    } finally {
      await producer.disconnect();
    }
    const described = await runFreshet(['topics', '--bootstrap-server', bootstrap, '--describe', '--unavailable-partitions']);
    expect(described.stdout).toMatch(/Topic: unclean\tPartition: 0\tLeader: none\tReplicas: 101,3\tIsr: 101\tOffline: 101\n/);

    // kafkajs's admin refuses to work while any partition has no leader, so the operator's tool turns it on.
    const altered = await runFreshet(['configs', '--bootstrap-server', bootstrap, '--topic', 'unclean', '--alter', '--add-config', 'unclean.leader.election.enable=true']);
    expect(altered.code, altered.stderr).toBe(0);
    await expect.poll(async () => (await view('unclean'))?.leaderId, { timeout: FENCE_BOUND_MS, interval: 50 }).toBe(3);
    expect(await view('unclean')).toMatchObject({ errorCode: ErrorCode.NONE, isr: [3], leaderEpoch: offline.leaderEpoch + 1 });
    // The possible loss is visible: one unclean election, one partition fewer offline.
    expect(await clusterMetric('freshet_controller_unclean_leader_elections_total')).toBe(1);
    expect(await clusterMetric('freshet_controller_offline_partitions')).toBe(offlineBefore - 1);
    await cluster.node(101).start();
    await waitUntilLive(101);
  });

  it('freshet leader-election gives a partition back to its preferred replica once it is in the ISR again, and says which needed none', { timeout: 120_000 }, async () => {
    await createTopic('preferred', [2, 3, 1]);
    await cluster.node(2).stop();
    const fromThree = () => partitionInfo(cluster.node(3).clientAddress!, 'preferred');
    await expect.poll(async () => (await fromThree())?.leaderId, { timeout: FENCE_BOUND_MS, interval: 50 }).toBe(3);
    // Node 2 (the usual bootstrap) is down for part of this: any broker will do.
    const elect = (type: string) => runFreshet(['leader-election', '--bootstrap-server', cluster.bootstrapServers, '--election-type', type, '--topic', 'preferred', '--partition', '0']);
    const refused = await elect('PREFERRED');
    expect(refused.stdout).toBe('Error completing leader election (PREFERRED) for partition: preferred-0: Failed to elect leader for partition: the preferred replica is not live or not in the ISR.\n');
    expect(refused.stderr).toBe('Error: 1 replica(s) could not be elected\n');
    expect(refused.code).toBe(1);

    await cluster.node(2).start();
    // Back as a follower: it fetches, catches up and the leader takes it back into the ISR.
    await expect.poll(async () => (await fromThree())?.isr.includes(2), { timeout: 30_000, interval: 100 }).toBe(true);
    const epoch = (await fromThree())!.leaderEpoch;
    const elected = await elect('PREFERRED');
    expect(elected.stdout).toBe('Successfully completed leader election (PREFERRED) for partitions preferred-0\n');
    expect(await fromThree()).toMatchObject({ leaderId: 2, leaderEpoch: epoch + 1 });
    const notNeeded = await elect('UNCLEAN');
    expect(notNeeded.stdout).toBe('Valid replica already elected for partitions preferred-0\n');
    expect(notNeeded.code).toBe(0);
  });

  it('freshet reassign-partitions generates over a broker list, executes, verifies and cancels as kafka-reassign-partitions does', async () => {
    await createTopic('moved', [101, 1]);
    const dir = mkdtempSync(join(tmpdir(), 'freshet-reassign-'));
    try {
      const reassign = (...args: string[]) => runFreshet(['reassign-partitions', '--bootstrap-server', bootstrap, ...args]);
      writeFileSync(join(dir, 'topics.json'), JSON.stringify({ topics: [{ topic: 'moved' }], version: 1 }));
      const generated = await reassign('--generate', '--topics-to-move-json-file', join(dir, 'topics.json'), '--broker-list', '2,3');
      expect(generated.code, generated.stderr).toBe(0);
      const [, current, , , proposed] = generated.stdout.split('\n');
      expect(current).toBe('{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[101,1],"log_dirs":["any","any"]}]}');
      expect(JSON.parse(proposed!).partitions[0].replicas.sort()).toEqual([2, 3]);

      // Removing a replica completes at once.
      writeFileSync(join(dir, 'shrink.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [1] }] }));
      const executed = await reassign('--execute', '--reassignment-json-file', join(dir, 'shrink.json'));
      expect(executed.stdout).toBe(
        'Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[101,1],"log_dirs":["any","any"]}]}\n\n' +
          'Save this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignments for moved-0\n',
      );
      expect((await reassign('--verify', '--reassignment-json-file', join(dir, 'shrink.json'))).stdout).toBe('Status of partition reassignment:\nReassignment of partition moved-0 is completed.\n');
      expect(await view('moved')).toMatchObject({ leaderId: 1, replicas: [1], isr: [1] });

      // An added replica copies the log, joins the ISR, and that completes the reassignment.
      writeFileSync(join(dir, 'grow.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [1, 2] }] }));
      expect((await reassign('--execute', '--reassignment-json-file', join(dir, 'grow.json'))).code).toBe(0);
      await expect.poll(async () => (await reassign('--verify', '--reassignment-json-file', join(dir, 'grow.json'))).stdout, { timeout: 30_000, interval: 200 })
        .toBe('Status of partition reassignment:\nReassignment of partition moved-0 is completed.\n');
      expect(await view('moved')).toMatchObject({ leaderId: 1, replicas: [1, 2], isr: [1, 2] });

      // One onto a stopped broker cannot complete; cancelling goes back to the replicas before.
      await cluster.node(101).stop();
      writeFileSync(join(dir, 'stuck.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [1, 2, 101] }] }));
      expect((await reassign('--execute', '--reassignment-json-file', join(dir, 'stuck.json'))).code).toBe(0);
      expect(await view('moved')).toMatchObject({ leaderId: 1, replicas: [1, 2, 101] });
      const pending = await reassign('--verify', '--reassignment-json-file', join(dir, 'stuck.json'));
      expect(pending.stdout).toBe('Status of partition reassignment:\nReassignment of partition moved-0 is still in progress.\n');
      const cancelled = await reassign('--cancel', '--reassignment-json-file', join(dir, 'stuck.json'));
      expect(cancelled.stdout).toBe('Successfully cancelled partition reassignments for: moved-0\n');
      expect(await view('moved')).toMatchObject({ leaderId: 1, replicas: [1, 2], isr: [1, 2] });
      await cluster.node(101).start();

      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [1, 77] }] }));
      const bad = await reassign('--execute', '--reassignment-json-file', join(dir, 'bad.json'));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('Error: Reassignment failed for 1 partition(s):\nmoved-0: Brokers 77 are not registered.\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
