/**
 * A seeded simulation of one group against the coordinator: consumers join,
 * sync (the leader runs a range assignor), heartbeat, consume, commit, leave,
 * crash, go deaf (heartbeat loss) and restart; the clock jumps; the
 * coordinator crashes and reloads from its records. After every step:
 * - in every generation each partition is delivered to at most one member;
 * - a committed offset never goes backwards, except by an admin reset of an
 *   empty group; nothing committed is lost across coordinator reloads.
 * At the end, faults stop and the group must settle on one generation in
 * which every live consumer holds a share and every partition is owned once.
 * A failure names its seed; rerun one with SIM_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../actors/seeded-random.js';
import { encodeSubscription } from './consumer-protocol.js';
import { ErrorCode } from './error-codes.js';
import type { CoordinatorResult, JoinGroupResponse, Reply } from './group-api.js';
import { defaultGroupCoordinatorConfig, GroupCoordinator } from './group-coordinator.js';
import { decodeGroupRecord, encodeGroupRecord, type EncodedRecord } from './group-record-codec.js';

const GROUP = 'sim';
const TOPIC = 't';
const PARTITIONS = 12;
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 20_000;
const HEARTBEAT_INTERVAL_MS = 3_000;
const PROTOCOLS = [{ name: 'range', metadata: encodeSubscription([TOPIC]) }];

type Phase = 'out' | 'joining' | 'joined' | 'syncing' | 'stable' | 'gone';

interface Consumer {
  name: string;
  instanceId: string | null;
  memberId: string;
  generationId: number;
  phase: Phase;
  pendingRef: number | null;
  joinResponse: JoinGroupResponse | null;
  assigned: number[];
  positions: Map<number, bigint>;
  lastHeartbeatMs: number;
  deafUntilMs: number;
  /** A stuck poll loop: heartbeats go on, but the rebalance they announce is only acted on later. */
  slowUntilMs: number;
  rebalanceNoticed: boolean;
}

function rangeAssign(memberIds: string[]): Map<string, number[]> {
  const sorted = [...memberIds].sort();
  const assignment = new Map<string, number[]>(sorted.map((m) => [m, []]));
  const base = Math.floor(PARTITIONS / sorted.length);
  const extra = PARTITIONS % sorted.length;
  let next = 0;
  sorted.forEach((memberId, i) => {
    const count = base + (i < extra ? 1 : 0);
    for (let k = 0; k < count; k++) assignment.get(memberId)!.push(next++);
  });
  return assignment;
}

class World {
  nowMs = 0;
  faults = true;
  private coordinator: GroupCoordinator;
  /** The partition's records as bytes, replayed through the codec on reload. */
  private readonly log: EncodedRecord[] = [];
  private readonly refs = new Map<number, Consumer>();
  private nextRef = 1;
  private nextSuffix = 1;
  private loadingSteps = 0;
  readonly consumers: Consumer[];
  /** generation -> partition -> owner (instance id for static members, member id otherwise) */
  private readonly owners = new Map<number, Map<number, string>>();
  /** The lowest value each committed offset may take from now on. */
  private readonly floor = new Map<number, bigint>();
  stats = { generations: 0, crashes: 0, resets: 0, fencedCommits: 0, staleCommits: 0 };

  constructor(private readonly rng: SeededRandom) {
    this.coordinator = this.newCoordinator();
    this.coordinator.completeLoad(0);
    this.consumers = Array.from({ length: 6 }, (_, i) => ({
      name: `c${i}`,
      instanceId: i < 2 ? `static-${i}` : null,
      memberId: '',
      generationId: -1,
      phase: 'out' as Phase,
      pendingRef: null,
      joinResponse: null,
      assigned: [],
      positions: new Map(),
      lastHeartbeatMs: 0,
      deafUntilMs: 0,
      slowUntilMs: 0,
      rebalanceNoticed: false,
    }));
  }

  private newCoordinator(): GroupCoordinator {
    return new GroupCoordinator({
      ...defaultGroupCoordinatorConfig,
      offsetsTopicNumPartitions: 1,
      partition: 0,
      groupInitialRebalanceDelayMs: 1_000,
      memberIdSuffix: () => String(this.nextSuffix++),
    });
  }

  step(): void {
    this.nowMs += this.faults && this.rng.chance(0.01) ? this.rng.between(5_000, 40_000) : this.rng.int(400);
    if (this.loadingSteps > 0 && --this.loadingSteps === 0) {
      for (const { key, value } of this.log) this.coordinator.replay(decodeGroupRecord(key, value)!);
      this.apply(this.coordinator.completeLoad(this.nowMs));
    }
    this.apply(this.coordinator.poll(this.nowMs));
    if (this.faults) {
      this.stepConsumer(this.rng.pick(this.consumers));
      if (this.rng.chance(0.002)) this.crashCoordinator();
      if (this.rng.chance(0.01)) this.maybeResetOffsets();
    } else {
      for (const consumer of this.consumers) this.stepConsumer(consumer);
    }
    this.checkCommittedOffsets();
  }

  private send(consumer: Consumer, call: (ref: number) => CoordinatorResult, waits: boolean): void {
    const ref = this.nextRef++;
    this.refs.set(ref, consumer);
    if (waits) consumer.pendingRef = ref;
    this.apply(call(ref));
  }

  private apply(result: CoordinatorResult): void {
    // Persist, then answer.
    this.log.push(...result.records.map(encodeGroupRecord));
    this.coordinator.committedUpTo(this.coordinator.lastWrittenMark());
    for (const reply of result.replies) {
      const consumer = this.refs.get(reply.to);
      this.refs.delete(reply.to);
      if (consumer !== undefined) this.onReply(consumer, reply);
    }
  }

  private ownerKey(consumer: Consumer, memberId: string): string {
    return consumer.instanceId ?? memberId;
  }

  private rejoin(consumer: Consumer, keepMemberId: boolean): void {
    consumer.assigned = [];
    consumer.rebalanceNoticed = false;
    consumer.phase = 'out';
    consumer.joinResponse = null;
    if (!keepMemberId) consumer.memberId = '';
  }

  private onReply(consumer: Consumer, reply: Reply): void {
    const waited = reply.api === 'JoinGroup' || reply.api === 'SyncGroup';
    if (waited) {
      // Answers to a request this incarnation no longer waits for (crash, restart) are dropped, as a closed socket would.
      if (consumer.pendingRef !== reply.to) return;
      consumer.pendingRef = null;
    }
    switch (reply.api) {
      case 'JoinGroup': {
        const r = reply.response;
        if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
          consumer.memberId = r.memberId;
          consumer.phase = 'out';
        } else if (r.errorCode === ErrorCode.NONE) {
          consumer.memberId = r.memberId;
          consumer.generationId = r.generationId;
          consumer.joinResponse = r;
          consumer.phase = 'joined';
        } else {
          this.rejoin(consumer, r.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID && r.errorCode !== ErrorCode.FENCED_INSTANCE_ID);
        }
        return;
      }
      case 'SyncGroup': {
        const r = reply.response;
        if (r.errorCode !== ErrorCode.NONE) {
          this.rejoin(consumer, r.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID && r.errorCode !== ErrorCode.FENCED_INSTANCE_ID);
          return;
        }
        const partitions = JSON.parse(Buffer.from(r.assignment).toString('utf8') || '[]') as number[];
        let byPartition = this.owners.get(consumer.generationId);
        if (byPartition === undefined) {
          this.owners.set(consumer.generationId, (byPartition = new Map()));
          this.stats.generations++;
        }
        const owner = this.ownerKey(consumer, consumer.memberId);
        for (const p of partitions) {
          const previous = byPartition.get(p);
          if (previous !== undefined && previous !== owner) {
            throw new Error(`generation ${consumer.generationId}: partition ${p} given to ${owner} and ${previous}`);
          }
          byPartition.set(p, owner);
        }
        consumer.assigned = partitions;
        consumer.phase = 'stable';
        consumer.lastHeartbeatMs = this.nowMs;
        const fetched = this.coordinator.offsetFetch({ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: partitions }] });
        consumer.positions = new Map(fetched.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset < 0n ? 0n : p.committedOffset]) ?? []);
        if (fetched.errorCode !== ErrorCode.NONE) this.rejoin(consumer, true);
        return;
      }
      case 'Heartbeat':
        this.onMembershipError(consumer, reply.response.errorCode);
        return;
      case 'OffsetCommit': {
        const errorCode = reply.response.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.NONE;
        if (errorCode === ErrorCode.ILLEGAL_GENERATION) this.stats.staleCommits++;
        if (errorCode === ErrorCode.ILLEGAL_GENERATION || errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.FENCED_INSTANCE_ID) this.stats.fencedCommits++;
        this.onMembershipError(consumer, errorCode);
        return;
      }
      default:
        return;
    }
  }

  private onMembershipError(consumer: Consumer, errorCode: number): void {
    if (consumer.phase !== 'stable') return;
    if (this.nowMs < consumer.slowUntilMs && (errorCode === ErrorCode.REBALANCE_IN_PROGRESS || errorCode === ErrorCode.ILLEGAL_GENERATION)) {
      consumer.rebalanceNoticed = true;
      return;
    }
    switch (errorCode) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        // Eager protocol: commit what was consumed, give everything up, rejoin.
        consumer.phase = 'out';
        this.commit(consumer);
        this.rejoin(consumer, consumer.memberId !== '');
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        this.rejoin(consumer, true);
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.FENCED_INSTANCE_ID:
        this.rejoin(consumer, false);
        return;
      default:
        return;
    }
  }

  private join(consumer: Consumer): void {
    consumer.phase = 'joining';
    this.send(
      consumer,
      (ref) =>
        this.coordinator.joinGroup(
          ref,
          {
            groupId: GROUP,
            sessionTimeoutMs: SESSION_TIMEOUT_MS,
            rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
            memberId: consumer.memberId,
            groupInstanceId: consumer.instanceId,
            protocolType: 'consumer',
            protocols: PROTOCOLS,
            requireKnownMemberId: true,
            clientId: consumer.name,
            clientHost: '/127.0.0.1',
          },
          this.nowMs,
        ),
      true,
    );
  }

  private sync(consumer: Consumer): void {
    const r = consumer.joinResponse!;
    const assignments =
      r.leader === r.memberId && !r.skipAssignment
        ? [...rangeAssign(r.members.map((m) => m.memberId))].map(([memberId, partitions]) => ({ memberId, assignment: Buffer.from(JSON.stringify(partitions)) }))
        : [];
    consumer.phase = 'syncing';
    this.send(
      consumer,
      (ref) =>
        this.coordinator.syncGroup(
          ref,
          { groupId: GROUP, generationId: consumer.generationId, memberId: consumer.memberId, groupInstanceId: consumer.instanceId, protocolType: 'consumer', protocolName: 'range', assignments },
          this.nowMs,
        ),
      true,
    );
  }

  private commit(consumer: Consumer): void {
    if (consumer.assigned.length === 0) return;
    const partitions = consumer.assigned.map((p) => ({ partitionIndex: p, committedOffset: consumer.positions.get(p) ?? 0n, committedLeaderEpoch: -1, committedMetadata: consumer.name }));
    this.send(
      consumer,
      (ref) =>
        this.coordinator.offsetCommit(
          ref,
          { groupId: GROUP, generationIdOrMemberEpoch: consumer.generationId, memberId: consumer.memberId, groupInstanceId: consumer.instanceId, retentionTimeMs: -1, topics: [{ name: TOPIC, partitions }] },
          this.nowMs,
        ),
      false,
    );
  }

  private stepConsumer(consumer: Consumer): void {
    const rng = this.rng;
    switch (consumer.phase) {
      case 'gone':
        // A restarted process: a dynamic member starts over, a static one comes back under its instance id.
        if (rng.chance(0.05)) this.rejoin(consumer, false);
        return;
      case 'out':
        if (consumer.pendingRef === null) this.join(consumer);
        return;
      case 'joined':
        this.sync(consumer);
        return;
      case 'joining':
      case 'syncing':
        return;
      case 'stable':
        break;
    }
    const slow = this.faults && this.nowMs < consumer.slowUntilMs;
    if (!slow) {
      for (const p of consumer.assigned) consumer.positions.set(p, (consumer.positions.get(p) ?? 0n) + BigInt(rng.int(5)));
      if (consumer.rebalanceNoticed) {
        // Back from the stall: commit what was consumed (with the old generation), then rejoin.
        this.commit(consumer);
        if (consumer.phase === 'stable') this.onMembershipError(consumer, ErrorCode.REBALANCE_IN_PROGRESS);
        return;
      }
    }
    const deaf = this.faults && this.nowMs < consumer.deafUntilMs;
    if (!deaf && this.nowMs - consumer.lastHeartbeatMs >= HEARTBEAT_INTERVAL_MS) {
      consumer.lastHeartbeatMs = this.nowMs;
      this.send(consumer, (ref) => this.coordinator.heartbeat(ref, { groupId: GROUP, generationId: consumer.generationId, memberId: consumer.memberId, groupInstanceId: consumer.instanceId }, this.nowMs), false);
      if (consumer.phase !== 'stable') return;
    }
    if (!slow && rng.chance(0.3)) this.commit(consumer);
    if (!this.faults || consumer.phase !== 'stable') return;
    if (rng.chance(0.02)) consumer.deafUntilMs = this.nowMs + rng.between(1_000, 2 * SESSION_TIMEOUT_MS);
    if (rng.chance(0.02)) consumer.slowUntilMs = this.nowMs + rng.between(1_000, 2 * REBALANCE_TIMEOUT_MS);
    if (rng.chance(0.01)) {
      this.commit(consumer);
      this.send(consumer, (ref) => this.coordinator.leaveGroup(ref, { groupId: GROUP, members: [{ memberId: consumer.memberId, groupInstanceId: consumer.instanceId }] }, this.nowMs), false);
      this.gone(consumer);
    } else if (rng.chance(0.01)) {
      this.gone(consumer); // killed: no LeaveGroup, no last commit
    }
  }

  private gone(consumer: Consumer): void {
    consumer.phase = 'gone';
    consumer.pendingRef = null;
    consumer.assigned = [];
    consumer.joinResponse = null;
  }

  private crashCoordinator(): void {
    this.stats.crashes++;
    this.coordinator = this.newCoordinator();
    this.loadingSteps = this.rng.between(1, 5);
    // Connections to the old coordinator break: whatever was waiting is retried.
    this.refs.clear();
    for (const consumer of this.consumers) {
      if (consumer.pendingRef !== null) {
        consumer.pendingRef = null;
        if (consumer.phase === 'joining' || consumer.phase === 'syncing') this.rejoin(consumer, true);
      }
    }
  }

  /** An operator rewinds a partition while nobody consumes (consumer-groups --reset-offsets). */
  private maybeResetOffsets(): void {
    const partition = this.rng.int(PARTITIONS);
    const current = this.coordinator.committedOffsets(GROUP).get(TOPIC)?.get(partition)?.offset ?? 0n;
    const target = current / 2n;
    const ref = this.nextRef++;
    const result = this.coordinator.offsetCommit(
      ref,
      { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: target, committedLeaderEpoch: -1, committedMetadata: 'reset' }] }] },
      this.nowMs,
    );
    this.log.push(...result.records.map(encodeGroupRecord));
    this.coordinator.committedUpTo(this.coordinator.lastWrittenMark());
    const reply = result.replies[0];
    if (reply?.api === 'OffsetCommit' && reply.response.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE) {
      this.floor.set(partition, target);
      this.stats.resets++;
    }
  }

  private checkCommittedOffsets(): void {
    if (this.loadingSteps > 0) return;
    const committed = this.coordinator.committedOffsets(GROUP).get(TOPIC);
    for (const [partition, floor] of this.floor) {
      const offset = committed?.get(partition)?.offset;
      if (offset === undefined || offset < floor) throw new Error(`partition ${partition}: committed offset went from ${floor} to ${offset} at ${this.nowMs}`);
    }
    for (const [partition, value] of committed ?? []) this.floor.set(partition, value.offset);
  }

  /** With faults over: one generation, every live consumer stable in it, every partition owned exactly once. */
  settled(): boolean {
    const live = this.consumers.filter((c) => c.phase !== 'gone');
    if (live.length === 0 || !live.every((c) => c.phase === 'stable')) return false;
    const generation = live[0]!.generationId;
    if (!live.every((c) => c.generationId === generation)) return false;
    const group = this.coordinator.group(GROUP);
    if (group?.state !== 'Stable' || group.generationId !== generation || group.members.size !== live.length) return false;
    const owned = live.flatMap((c) => c.assigned).sort((a, b) => a - b);
    return owned.length === PARTITIONS && owned.every((p, i) => p === i);
  }
}

function simulate(seed: number, steps: number): World['stats'] {
  const world = new World(new SeededRandom(seed));
  try {
    for (let i = 0; i < steps; i++) world.step();
    world.faults = false;
    for (const consumer of world.consumers) if (consumer.phase === 'gone') consumer.phase = 'out';
    for (let i = 0; i < 2_000 && !world.settled(); i++) world.step();
    if (!world.settled()) throw new Error('the group did not settle once faults stopped');
  } catch (error) {
    throw new Error(`seed ${seed}: ${(error as Error).message}`);
  }
  return world.stats;
}

describe('group coordinator simulation', () => {
  const seeds = process.env.SIM_SEED !== undefined ? [Number(process.env.SIM_SEED)] : Array.from({ length: 24 }, (_, i) => i + 1);
  it('keeps partitions single-owned per generation and committed offsets monotonic under faults', () => {
    const totals = { generations: 0, crashes: 0, resets: 0, fencedCommits: 0, staleCommits: 0 };
    for (const seed of seeds) {
      const stats = simulate(seed, 3_000);
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += stats[key];
    }
    // The faults must actually have happened, or the run proves nothing.
    expect(totals.generations).toBeGreaterThan(seeds.length * 5);
    expect(totals.crashes).toBeGreaterThan(0);
    expect(totals.resets).toBeGreaterThan(0);
    expect(totals.fencedCommits).toBeGreaterThan(0);
    expect(totals.staleCommits).toBeGreaterThan(0);
  });
});
