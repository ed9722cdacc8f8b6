import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { check, type ConsumedRecord, type ProducedRecord } from '../load-tests/checker.js';
import { freePort } from '../cli/testing/freshet-process.js';
import { liveBrokerIds, partitionInfo } from './support/cluster-partitions.js';
import { metricValue } from './support/freshet-node.js';
import { startControllerQuorum, type ClusterProcess, type ControllerQuorum } from './support/controller-quorum.js';
import { requireKcat, runKcat } from './support/kcat.js';

const { Kafka, logLevel } = kafkajs;
const TOPIC = 'failover';
/** Shorter than the session, so a paused follower leaves the ISR through the leader before the controller fences it. */
const LAG_MS = 1000;
const SESSION_TIMEOUT_MS = 4000;
const KILLS = 3;
/** What each bound allows on a loaded 2-core machine, beyond the timeout it waits for. */
const SLACK_MS = 6000;

const withKcat = requireKcat();

/**
 * Real processes: three combined nodes, RF 3 with min.insync.replicas=2; kafkajs (idempotent) and
 * kcat (librdkafka, idempotent) produce with acks=all while the partition leader is killed with -9
 * several times; everything acknowledged must be read back, once, in order per key. The leader's
 * replication metrics show the ISR changes.
 */
describe.runIf(withKcat)('failover of a replicated partition on three combined nodes', () => {
  let cluster: ControllerQuorum;
  const nodes = (): readonly ClusterProcess[] => cluster.controllers;
  const bootstrap = (): string => cluster.bootstrapServers;
  const view = async () => {
    for (const node of nodes()) {
      if (!node.running()) continue;
      try {
        const info = await partitionInfo(node.clientAddress!, TOPIC);
        if (info !== undefined) return info;
      } catch {
        // A node being killed or paused: ask the next.
      }
    }
    return undefined;
  };
  let metricsPorts: number[] = [];
  const metric = async (nodeId: number, name: string) => metricValue(await (await fetch(`http://127.0.0.1:${metricsPorts[nodeId - 1]}/metrics`)).text(), name);
  const waitForIsr = (isr: number[], timeout: number) => vi.waitFor(async () => expect([...((await view())?.isr ?? [])].sort()).toEqual(isr), { timeout, interval: 50 });

  beforeAll(async () => {
    metricsPorts = await Promise.all([1, 2, 3].map(() => freePort()));
    cluster = await startControllerQuorum({
      nodeProperties: (nodeId) => ({ 'metrics.port': metricsPorts[nodeId - 1]! }),
      controllers: 3,
      combined: true,
      properties: {
        'broker.session.timeout.ms': SESSION_TIMEOUT_MS,
        'broker.heartbeat.interval.ms': 250,
        'replica.lag.time.max.ms': LAG_MS,
        'replica.fetch.backoff.ms': 100,
        'auto.leader.rebalance.enable': 'false',
      },
    });
    await vi.waitFor(async () => expect(await liveBrokerIds(cluster.node(1).clientAddress!)).toEqual([1, 2, 3]), { timeout: 30_000, interval: 100 });
    const admin = new Kafka({ brokers: bootstrap().split(','), clientId: 'failover-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    await waitForIsr([1, 2, 3], 30_000);
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('loses no acknowledged acks=all record and duplicates none while the leader is killed with -9 three times', async () => {
    const produced: ProducedRecord[] = [];
    const ackTimes: { sentMs: number; ackedMs: number }[] = [];
    let producing = true;

    // kafkajs: one record per send, so each acknowledgement is known.
    const kafkajsLoad = (async () => {
      const producer = new Kafka({ brokers: bootstrap().split(','), clientId: 'failover-kafkajs', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } })
        .producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      try {
        for (let i = 0; producing && i < 100_000; i++) {
          const key = `kj${i % 4}`;
          const record: ProducedRecord = { id: `${key}:${i}`, key, seq: i, partition: 0, acknowledged: false };
          produced.push(record);
          const sentMs = Date.now();
          try {
            const [meta] = await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: [{ key, value: record.id }] });
            record.acknowledged = true;
            record.offset = BigInt(meta!.baseOffset!);
            ackTimes.push({ sentMs, ackedMs: Date.now() });
          } catch {
            // Not acknowledged: it may or may not be in the log, the checker allows both.
          }
        }
      } finally {
        await producer.disconnect();
      }
    })();
    // kcat: bursts of 50 lines; a burst counts as acknowledged only when kcat delivered all of it.
    const kcatLoad = (async () => {
      for (let burst = 0; producing && burst < 10_000; burst++) {
        const records = Array.from({ length: 50 }, (_, j): ProducedRecord => ({ id: `kc:${burst * 50 + j}`, key: 'kc', seq: burst * 50 + j, partition: 0, acknowledged: false }));
        produced.push(...records);
        const run = await runKcat(['-P', '-b', bootstrap(), '-t', TOPIC, '-p', '0', '-K', '\t', '-X', 'acks=all', '-X', 'enable.idempotence=true', '-X', 'message.timeout.ms=30000'], records.map((r) => `${r.key}\t${r.id}`).join('\n') + '\n');
        if (run.code === 0 && !/fail|error/i.test(run.stderr)) for (const r of records) r.acknowledged = true;
      }
    })();

    const acked = () => ackTimes.length;
    const failovers: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await vi.waitFor(() => expect(acked()).toBeGreaterThan(20 * (kill + 1)), { timeout: 30_000, interval: 50 });
      const before = (await view())!;
      const leader = cluster.node(before.leaderId);
      const killedMs = Date.now();
      await leader.kill();
      await vi.waitFor(() => expect(ackTimes.some((t) => t.sentMs > killedMs)).toBe(true), { timeout: SESSION_TIMEOUT_MS + SLACK_MS + 10_000, interval: 20 });
      failovers.push(ackTimes.find((t) => t.sentMs > killedMs)!.ackedMs - killedMs);
      const after = (await view())!;
      expect(after.leaderId).not.toBe(before.leaderId);
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
      await leader.start();
      await waitForIsr([1, 2, 3], 30_000);
    }
    producing = false;
    await Promise.all([kafkajsLoad, kcatLoad]);
    console.log(`kill -9 of the leader to the first acknowledged acks=all produce sent after it: ${failovers.join(', ')} ms (broker.session.timeout.ms ${SESSION_TIMEOUT_MS})`);
    for (const ms of failovers) expect(ms).toBeLessThan(SESSION_TIMEOUT_MS + SLACK_MS);

    const run = await runKcat(['-C', '-b', bootstrap(), '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\t%s\\n']);
    expect(run.code, run.stderr).toBe(0);
    const consumed: ConsumedRecord[] = run.stdout
      .toString()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [offset, id] = line.split('\t') as [string, string];
        const key = id.slice(0, id.indexOf(':'));
        return { id, key, seq: Number(id.slice(id.indexOf(':') + 1)), partition: 0, offset: BigInt(offset) };
      });
    const verdict = check(produced, consumed, 'exactly-once');
    console.log(`checker: ${JSON.stringify(verdict.totals)}`);
    expect(verdict.totals.acknowledged).toBeGreaterThan(100);
    expect(verdict.totals).toMatchObject({ lost: 0, duplicatedInLog: 0, orderViolations: 0 });
  }, 240_000);

  it('moves leadership away on SIGTERM (controlled shutdown) so acks=all produces go on without an error reaching the client', async () => {
    const producer = new Kafka({ brokers: bootstrap().split(','), clientId: 'failover-controlled', logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } })
      .producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const before = (await view())!;
      const leader = cluster.node(before.leaderId);
      const stoppedMs = Date.now();
      const stopping = leader.stop();
      let firstAckMs = 0;
      for (let i = 0; i < 20; i++) {
        await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'cs', value: `cs:${i}` }] });
        if (firstAckMs === 0) firstAckMs = Date.now();
      }
      await stopping;
      console.log(`SIGTERM of the leader to the first acknowledged acks=all produce: ${firstAckMs - stoppedMs} ms`);
      expect((await view())!.leaderId).not.toBe(before.leaderId);
      await leader.start();
      await waitForIsr([1, 2, 3], 30_000);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);

  it('shrinks the ISR within replica.lag.time.max.ms of a follower stopped with SIGSTOP, and expands it after SIGCONT', async () => {
    const { leaderId } = (await view())!;
    const follower = nodes().find((n) => n.nodeId !== leaderId)!;
    const others = [1, 2, 3].filter((id) => id !== follower.nodeId);
    const producer = new Kafka({ brokers: bootstrap().split(','), clientId: 'failover-stop', logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const shrinksBefore = await metric(leaderId, 'freshet_replica_isr_shrinks_total');
    const expandsBefore = await metric(leaderId, 'freshet_replica_isr_expands_total');
    try {
      process.kill(follower.pid(), 'SIGSTOP');
      const stoppedMs = Date.now();
      try {
        // A write the paused follower cannot fetch: acks=all waits for the ISR to drop it, then completes.
        await producer.send({ topic: TOPIC, acks: -1, timeout: 30_000, messages: [{ value: 'while-paused' }] });
        await waitForIsr(others, LAG_MS + SLACK_MS);
        const shrunkMs = Date.now() - stoppedMs;
        console.log(`SIGSTOP of a follower to the ISR without it: ${shrunkMs} ms (replica.lag.time.max.ms ${LAG_MS})`);
        // The leader shrank it (AlterPartition), not the controller: the paused broker is not fenced yet.
        expect(shrunkMs).toBeLessThan(SESSION_TIMEOUT_MS);
        expect(await liveBrokerIds(cluster.node(leaderId).clientAddress!)).toContain(follower.nodeId);
        expect(await metric(leaderId, 'freshet_replica_isr_shrinks_total')).toBe(shrinksBefore + 1);
        expect(await metric(leaderId, 'freshet_replica_under_replicated_partitions')).toBe(1);
      } finally {
        process.kill(follower.pid(), 'SIGCONT');
      }
      await waitForIsr([1, 2, 3], 30_000);
      await vi.waitFor(async () => expect(await metric(leaderId, 'freshet_replica_isr_expands_total')).toBe(expandsBefore + 1), { timeout: 5000, interval: 50 });
      expect(await metric(leaderId, 'freshet_replica_under_replicated_partitions')).toBe(0);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);
});
