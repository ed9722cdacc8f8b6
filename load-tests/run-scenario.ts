import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../core/actors/seeded-random.js';
import { BenchAdmin } from '../bench/e2e/admin.js';
import { LatencyHistogram, type LatencyPercentiles } from '../bench/latency-histogram.js';
import { check, type ConsumedRecord, type ProducedRecord, type Verdict } from './checker.js';
import { EosApps } from './eos-apps.js';
import { inputPosition, tagged } from './eos-tag.js';
import { faultSchedule, type FaultEvent } from './fault-schedule.js';
import { LoadConsumer } from './load-consumer.js';
import { LoadProducer, sleep } from './load-producer.js';
import { readWholeTopic } from './log-reader.js';
import { startNodeUnderTest, type NodeUnderTest } from './node-under-test.js';
import type { Scenario } from './scenario.js';

export interface LoadReport {
  scenario: string;
  seed: number;
  durationSeconds: number;
  produced: { records: number; acknowledged: number; failedSends: number };
  /** From each record's due time on the producers' schedule to its acknowledgement (µs, HdrHistogram). */
  ackLatency: LatencyPercentiles;
  /** The same as an `.hgrm` percentile distribution (ms), written beside the report. */
  ackLatencyHgrm: string;
  /** Faults as they were injected, with the time they took. */
  faults: Array<FaultEvent & { tookMs: number; error?: string }>;
  /** Acknowledged records against what the log holds at the end (kcat from the beginning): the broker's durability. */
  log: Verdict;
  /** What the log holds against what the group members were handed: the group's delivery (null without consumers). */
  delivery: Verdict | null;
  /** Each transformer's input log against its output read_committed: every input record exactly once (null without transformers). */
  exactlyOnce: Verdict | null;
  /** Times transformer instances were started again (after kill -9 or an error). */
  transformerRestarts: number;
  /** Sum over partitions of (end offset - committed offset) per group, sampled every second: [seconds, lag]. */
  lag: Record<string, Array<[number, number]>>;
  ok: boolean;
}

export interface RunOptions {
  /** Progress lines (what runs, faults injected), one per call. */
  onProgress?: (line: string) => void;
}

/**
 * Runs a scenario against a fresh single Freshet node started as a user
 * starts it: producers and group members on loopback for the scenario's
 * duration, faults at their seeded times, then a drain, a full read of every
 * topic and the verdict. Everything it starts it stops, also on failure.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<LoadReport> {
  const progress = options.onProgress ?? (() => {});
  const quota = scenario.faults.find((f) => f.kind === 'disk-quota');
  const quotaDir = quota === undefined ? undefined : mountQuota(quota.quotaBytes);
  let broker: NodeUnderTest | undefined;
  let admin: BenchAdmin | undefined;
  const producers: LoadProducer[] = [];
  const members = new Map<string, LoadConsumer>();
  const apps: EosApps[] = [];
  const consumed: ConsumedRecord[] = [];
  const faults: LoadReport['faults'] = [];
  const lag: LoadReport['lag'] = {};
  const ackLatency = new LatencyHistogram();
  let lagTimer: NodeJS.Timeout | undefined;
  try {
    broker = await startNodeUnderTest({ nodes: scenario.nodes, properties: scenario.brokerProperties, firstTopic: scenario.topics[0]!.name, ...(quotaDir === undefined ? {} : { logDir: quotaDir }) });
    const node = broker;
    progress(`broker up on ${node.bootstrap}`);
    admin = await BenchAdmin.connect(node.bootstrap);
    for (const topic of scenario.topics) await admin.createTopic(topic.name, topic.partitions, topic.replicationFactor);
    const partitionsOf = (topic: string): number => scenario.topics.find((t) => t.name === topic)!.partitions;

    let memberCount = 0;
    const join = async (topic: string, groupId: string): Promise<void> => {
      const name = `${groupId}-member-${memberCount++}`;
      const member = new LoadConsumer(node.bootstrap, topic, groupId, name, consumed);
      members.set(name, member);
      await member.start();
    };
    for (const spec of scenario.consumers) for (let i = 0; i < spec.instances; i++) await join(spec.topic, spec.groupId);
    for (const spec of scenario.transformers) {
      const app = new EosApps(spec, node.bootstrap);
      apps.push(app);
      app.start();
    }

    const durationMs = scenario.durationSeconds * 1000;
    scenario.producers.forEach((spec, s) => {
      for (let i = 0; i < spec.instances; i++) {
        const producer = new LoadProducer(node.bootstrap, spec, `producer-${s}-${i}`, partitionsOf(spec.topic), producers.length * spec.keys, ackLatency);
        producers.push(producer);
        producer.start(durationMs);
      }
    });
    const started = performance.now();
    progress(`${producers.length} producers, ${members.size} group members running for ${scenario.durationSeconds} s`);

    const groups = [...new Map(scenario.consumers.map((c) => [c.groupId, c.topic])).entries()];
    let lagAdmin = admin;
    lagTimer = setInterval(() => {
      const at = (performance.now() - started) / 1000;
      for (const [groupId, topic] of groups) {
        void Promise.all([lagAdmin.endOffsets(topic), lagAdmin.committedOffsets(groupId, topic)]).then(
          ([end, committed]) => {
            let total = 0;
            for (const [partition, endOffset] of end) total += Number(endOffset - ((committed.get(partition) ?? -1n) < 0n ? 0n : committed.get(partition)!));
            (lag[groupId] ??= []).push([at, total]);
          },
          () => {},
        );
      }
    }, 1000);

    const churn = new SeededRandom(scenario.seed ^ 0x5eed);
    for (const event of faultSchedule(scenario.faults, durationMs, scenario.seed)) {
      await sleep(Math.max(0, event.atMs - (performance.now() - started)));
      const begin = performance.now();
      let error: string | undefined;
      try {
        if (event.kind === 'kill-restart') {
          progress(`${(event.atMs / 1000).toFixed(1)} s: kill -9 the broker and restart it`);
          await node.restart();
          // The admin's connections died with the broker.
          await admin.close().catch(() => {});
          admin = lagAdmin = await BenchAdmin.connect(node.bootstrap);
        } else if (event.kind === 'pause') {
          progress(`${(event.atMs / 1000).toFixed(1)} s: SIGSTOP the broker for ${event.pauseMs} ms`);
          node.signal('SIGSTOP');
          await sleep(event.pauseMs);
          node.signal('SIGCONT');
        } else if (event.kind === 'app-kill') {
          const app = apps[churn.int(apps.length)]!;
          const instance = churn.int(app.instances);
          progress(`${(event.atMs / 1000).toFixed(1)} s: kill -9 transformer instance ${instance} (started again)`);
          app.kill(instance);
        } else {
          const names = [...members.keys()];
          const leaving = names[churn.int(names.length)]!;
          progress(`${(event.atMs / 1000).toFixed(1)} s: group member ${leaving} leaves, a new one joins in ${event.rejoinMs} ms`);
          const spec = scenario.consumers[0]!;
          await members.get(leaving)!.stop();
          members.delete(leaving);
          await sleep(event.rejoinMs);
          await join(spec.topic, spec.groupId);
        }
      } catch (e) {
        error = String(e);
        progress(`  fault failed: ${error}`);
      }
      faults.push({ ...event, tookMs: Math.round(performance.now() - begin), ...(error === undefined ? {} : { error }) });
    }

    await Promise.all(producers.map((p) => p.finished()));
    await Promise.all(producers.map((p) => p.stop()));
    const produced: ProducedRecord[] = producers.flatMap((p) => p.records);
    const acknowledged = produced.filter((r) => r.acknowledged).length;
    progress(`load done: ${produced.length} records sent, ${acknowledged} acknowledged; draining for up to ${scenario.drainSeconds} s`);
    if (quotaDir !== undefined) {
      // A partition whose disk failed stays offline (KAFKA_STORAGE_ERROR) until the broker restarts, as in Kafka:
      // the operator makes room and restarts it, then everything acknowledged must be there.
      const exited = node.exited();
      if (exited !== null) throw new Error(`the broker exited (${exited}) when its log dir filled up`);
      progress(`making room on the log dir (tmpfs grows to twice ${quota!.quotaBytes} bytes) and restarting the broker`);
      growQuota(quotaDir, 2 * quota!.quotaBytes);
      await node.restart();
    }

    const logRecords: ConsumedRecord[] = [];
    // A transformer's output is judged by the exactly-once verdict, against its input.
    const outputs = new Set(scenario.transformers.map((t) => t.output));
    for (const topic of scenario.topics.filter((t) => !outputs.has(t.name))) {
      // Not push(...records): hundreds of thousands of arguments overflow the stack.
      for (const record of await readWholeTopic(node.bootstrap, topic.name)) logRecords.push(record);
    }
    if (members.size > 0) {
      // Group members get until the drain deadline to see everything the log holds.
      const ids = new Set(logRecords.map((r) => r.id));
      const deadline = performance.now() + scenario.drainSeconds * 1000;
      while (performance.now() < deadline && new Set(consumed.map((r) => r.id).filter((id) => ids.has(id))).size < ids.size) await sleep(500);
    }
    const exactlyOnce = apps.length === 0 ? null : await transformed(node.bootstrap, scenario.transformers, scenario.drainSeconds);
    await Promise.all(apps.map((app) => app.stop()));
    clearInterval(lagTimer);
    const log = check(produced, logRecords, scenario.semantics);
    // For delivery every record in the log counts as acknowledged: the group must hand each one to a member.
    const delivery =
      members.size === 0 && scenario.consumers.length === 0
        ? null
        : check(
            logRecords.map((r) => ({ ...r, acknowledged: true })),
            consumed,
            // A group hands records again after a rebalance whatever the producers did (the README's group verdict).
            'at-least-once',
          );
    return {
      scenario: scenario.name,
      seed: scenario.seed,
      durationSeconds: scenario.durationSeconds,
      produced: { records: produced.length, acknowledged, failedSends: producers.reduce((n, p) => n + p.failedSends, 0) },
      ackLatency: ackLatency.percentiles(),
      ackLatencyHgrm: ackLatency.hgrm(),
      faults,
      log,
      delivery,
      exactlyOnce,
      transformerRestarts: apps.reduce((n, app) => n + app.restarts, 0),
      lag,
      ok: log.ok && (delivery?.ok ?? true) && (exactlyOnce?.ok ?? true),
    };
  } finally {
    clearInterval(lagTimer);
    await Promise.all(producers.map((p) => p.stop().catch(() => {})));
    await Promise.all([...members.values()].map((m) => m.stop().catch(() => {})));
    await Promise.all(apps.map((app) => app.stop()));
    await admin?.close().catch(() => {});
    if (broker !== undefined) {
      broker.signal('SIGCONT');
      await broker.stop();
    }
    if (quotaDir !== undefined) unmountQuota(quotaDir);
  }
}

/**
 * The exactly-once verdict: once the transformers have caught up (or the
 * drain ran out), every record of each input log must be in its output,
 * read_committed, exactly once (by input offset: a record a retrying producer
 * stored twice is two records) and in input order.
 */
async function transformed(bootstrap: string, specs: Scenario['transformers'], drainSeconds: number): Promise<Verdict> {
  const read = async () => {
    const inputs: ConsumedRecord[] = [];
    const outputs: ConsumedRecord[] = [];
    for (const spec of specs) {
      for (const record of await readWholeTopic(bootstrap, spec.input)) inputs.push(record);
      for (const record of await readWholeTopic(bootstrap, spec.output, true)) outputs.push(record);
    }
    return { inputs, outputs };
  };
  const deadline = performance.now() + drainSeconds * 1000;
  let { inputs, outputs } = await read();
  while (performance.now() < deadline && outputs.length < inputs.length) {
    await sleep(1000);
    ({ inputs, outputs } = await read());
  }
  // Each input offset must be copied once, in input order: keyed by partition, sequenced by input offset.
  const expected = inputs.map((r) => ({ id: tagged(r.id, r.partition, r.offset), key: `p${r.partition}`, seq: Number(r.offset), partition: r.partition, acknowledged: true }));
  const copies = outputs.map((r) => {
    const from = inputPosition(r.id);
    return { ...r, key: `p${from?.partition ?? -1}`, seq: Number(from?.offset ?? -1n) };
  });
  return check(expected, copies, 'exactly-once');
}

/** A tmpfs of `bytes` for the log dir, so the disk fills up under load (needs root and mount). */
function mountQuota(bytes: number): string {
  if (process.getuid?.() !== 0) throw new Error('the disk-quota fault mounts a tmpfs for the log dir and needs root');
  const dir = mkdtempSync(join(tmpdir(), 'freshet-load-quota-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the disk-quota fault could not mount a tmpfs (${String(error)}); run as root on a machine that allows mount`);
  }
  return dir;
}

function growQuota(dir: string, bytes: number): void {
  execFileSync('mount', ['-o', `remount,size=${bytes}`, dir], { stdio: 'pipe' });
}

function unmountQuota(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
}
