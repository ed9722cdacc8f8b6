import { SeededRandom } from '../../actors/seeded-random.js';
import { defaultLogConfig } from '../../log/log-config.js';
import { MemoryFileSystem } from '../../log/memory-file-system.js';
import { PartitionLog } from '../../log/partition-log.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { batchViews } from '../../protocol/record-batch-header.js';
import { buildUncompressedRecordBatch } from '../../protocol/records/record-batch-builder.js';
import { fetchingFrom, initialFetchState, truncationOffset } from '../follower-truncation.js';
import { PartitionLeader } from '../partition-leader.js';
import { ReplicaTracker, type IsrProposal } from '../replica-tracker.js';

/**
 * A seeded simulation of one partition replicated on three brokers with
 * min.insync.replicas=2 and unclean election off: a model controller (ISR
 * changes by AlterPartition with partition-epoch fencing, a clean election
 * from the ISR when the leader crashes), followers fetching over a network
 * that can cut a follower off, AlterPartition messages lost or delayed, and
 * crashes that lose every unsynced write (MemoryFileSystem.crash). After every
 * step: no acks=all record is lost, replicas agree with the leader below their
 * high watermarks, the high watermark never goes back within a leader epoch,
 * at most one leader per epoch. Any failure replays from its seed.
 */
export interface ReplicationSimulationOptions {
  readonly seed: number;
  readonly steps: number;
  /** A deliberately broken build, to show the invariants catch it. */
  readonly broken?: 'hw-leader-only' | 'skip-truncation';
}

export interface ReplicationSimulationResult {
  readonly ok: boolean;
  readonly failure: string | null;
  readonly trace: readonly string[];
  readonly acked: number;
  readonly elections: number;
  readonly truncations: number;
  readonly crashes: number;
}

const BROKERS = [1, 2, 3] as const;
const MIN_INSYNC_REPLICAS = 2;
const REPLICA_LAG_TIME_MAX_MS = 2000;

interface Broker {
  readonly id: number;
  readonly fs: MemoryFileSystem;
  partition: PartitionLeader;
  alive: boolean;
}

interface PendingProduce {
  readonly value: string;
  readonly baseOffset: bigint;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** Each batch as the invariants compare it: where it is and its CRC (over everything but base offset and epoch). */
type BatchKey = string;

class InvariantViolation extends Error {}

export function runReplicationSimulation(options: ReplicationSimulationOptions): ReplicationSimulationResult {
  const rng = new SeededRandom(options.seed);
  const trace: string[] = [];
  let nowMs = 0;
  const controller = { leader: 1, leaderEpoch: 1, partitionEpoch: 0, isr: [...BROKERS] as number[] };
  const stats = { acked: 0, elections: 0, truncations: 0, crashes: 0 };
  const pending: PendingProduce[] = [];
  /** Offset → CRC of every acknowledged batch. */
  const acked = new Map<bigint, number>();
  let alterInFlight: { from: number; proposal: IsrProposal }[] = [];
  const cut = new Set<number>();
  const highestHw = new Map<number, bigint>();
  let nextValue = 0;

  const leadership = () => ({ leaderId: controller.leader, leaderEpoch: controller.leaderEpoch, partitionEpoch: controller.partitionEpoch, replicas: [...BROKERS], isr: [...controller.isr] });
  const open = (id: number, fs: MemoryFileSystem): PartitionLeader => {
    fs.mkdir('/data');
    const log = PartitionLog.open({ dir: '/data', topic: 't', partition: 0, config: { ...defaultLogConfig, segmentBytes: 4096 }, fs, clock: { nowMs: () => nowMs } });
    return new PartitionLeader(log, id, leadership(), { compressionType: 'producer', minInsyncReplicas: MIN_INSYNC_REPLICAS }, undefined, nowMs);
  };
  const brokers = new Map<number, Broker>(BROKERS.map((id) => {
    const fs = new MemoryFileSystem();
    return [id, { id, fs, partition: open(id, fs), alive: true }];
  }));
  const publish = (): void => {
    for (const b of brokers.values()) if (b.alive) b.partition.updateLeadership(leadership(), nowMs);
  };
  const leader = (): Broker | null => {
    const b = brokers.get(controller.leader);
    return b !== undefined && b.alive ? b : null;
  };

  const produce = (): void => {
    const l = leader();
    if (l === null) return;
    const value = `v${nextValue++}`;
    const batch = buildUncompressedRecordBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: nowMs }] });
    const result = l.partition.appendSync(batch, nowMs, -1)!;
    trace.push(`produce ${value} on b${l.id}: ${result.errorCode === ErrorCode.NONE ? `offset ${result.baseOffset}` : `error ${result.errorCode}`}`);
    if (result.errorCode === ErrorCode.NONE) pending.push({ value, baseOffset: result.baseOffset, leaderId: l.id, leaderEpoch: controller.leaderEpoch });
  };

  const fetch = (id: number): void => {
    const l = leader();
    const f = brokers.get(id)!;
    if (l === null || l.id === id || !f.alive || cut.has(id)) return;
    let state = initialFetchState(f.partition.epochs, f.partition.highWatermark);
    if (state.kind === 'truncating') {
      f.partition.truncateTo(state.truncateTo);
      state = fetchingFrom(f.partition.epochs);
    }
    if (state.kind !== 'fetching') return;
    // The broken build names no epoch, so the leader cannot tell the follower where its log diverged: no truncation.
    const lastFetchedEpoch = options.broken === 'skip-truncation' ? -1 : state.lastFetchedEpoch;
    const read = l.partition.readForFollower(id, state.fetchOffset, lastFetchedEpoch, 2048, nowMs);
    if (read.proposal !== null) sendAlter(l.id, read.proposal);
    // As the runtime's fetcher: behind the leader's log start, start over there; past its end, cut to its high watermark.
    if (read.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && state.fetchOffset < read.logStartOffset) {
      f.partition.log.truncateFullyAndStartAt(read.logStartOffset);
      f.partition.truncateTo(f.partition.log.logEndOffset);
      return;
    }
    if (read.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      f.partition.truncateTo(truncationOffset(f.partition.epochs, { epoch: -1, endOffset: read.highWatermark }));
      return;
    }
    if (read.errorCode !== ErrorCode.NONE) return;
    if (read.divergingEpoch !== null) {
      const to = truncationOffset(f.partition.epochs, read.divergingEpoch);
      trace.push(`b${id} diverged at ${read.divergingEpoch.endOffset}@${read.divergingEpoch.epoch}: truncated to ${to}`);
      f.partition.truncateTo(to);
      stats.truncations++;
      return;
    }
    if (read.records.length > 0) f.partition.appendAsFollower(Buffer.from(read.records), read.highWatermark);
    else f.partition.updateFollowerHighWatermark(read.highWatermark);
  };

  const sendAlter = (from: number, proposal: IsrProposal): void => {
    trace.push(`b${from} AlterPartition isr=[${proposal.newIsr.join(',')}] epochs ${proposal.leaderEpoch}/${proposal.partitionEpoch}`);
    alterInFlight.push({ from, proposal });
  };

  /** The controller's AlterPartition handler in miniature: fenced by leader and partition epoch; only live replicas join. */
  const deliverAlter = (): void => {
    const message = alterInFlight.shift();
    if (message === undefined) return;
    const sender = brokers.get(message.from)!;
    const { proposal } = message;
    if (rng.chance(0.15)) {
      trace.push(`AlterPartition from b${message.from} lost`);
      if (sender.alive) {
        sender.partition.onIsrChangeOutcome({ kind: 'unanswered' });
        const again = sender.partition.replicaTracker.pendingProposal();
        if (again !== null) alterInFlight.push({ from: message.from, proposal: again });
      }
      return;
    }
    const fenced = message.from !== controller.leader || proposal.leaderEpoch !== controller.leaderEpoch || proposal.partitionEpoch !== controller.partitionEpoch;
    const ineligible = proposal.newIsr.some((id) => !brokers.get(id)!.alive);
    if (fenced || ineligible) {
      trace.push(`AlterPartition from b${message.from} refused (${fenced ? 'stale epochs' : 'ineligible replica'})`);
      if (sender.alive) sender.partition.onIsrChangeOutcome({ kind: 'refused', errorCode: fenced ? ErrorCode.INVALID_UPDATE_VERSION : ErrorCode.INELIGIBLE_REPLICA });
      return;
    }
    controller.isr = [...proposal.newIsr];
    controller.partitionEpoch++;
    trace.push(`controller: isr=[${controller.isr.join(',')}] partitionEpoch=${controller.partitionEpoch}`);
    sender.partition.onIsrChangeOutcome({ kind: 'accepted', leaderEpoch: controller.leaderEpoch, partitionEpoch: controller.partitionEpoch, isr: controller.isr });
    publish();
  };

  /** A broker crashes (power loss: its unsynced writes are gone); the controller fences it at once and, if it led, elects from the ISR. */
  const crash = (id: number): void => {
    const b = brokers.get(id)!;
    b.alive = false;
    b.fs.crash();
    stats.crashes++;
    controller.isr = controller.isr.filter((r) => r !== id);
    controller.partitionEpoch++;
    if (controller.leader === id) elect();
    trace.push(`b${id} crashed; leader=${controller.leader} epoch=${controller.leaderEpoch} isr=[${controller.isr.join(',')}]`);
    publish();
  };

  const elect = (): void => {
    // Clean election only: an ISR member that is alive, else the partition is offline until one returns.
    const candidate = controller.isr.find((r) => brokers.get(r)!.alive);
    controller.leader = candidate ?? -1;
    controller.leaderEpoch++;
    controller.partitionEpoch++;
    if (candidate !== undefined) stats.elections++;
  };

  const restart = (id: number): void => {
    const b = brokers.get(id)!;
    b.partition = open(id, b.fs);
    b.alive = true;
    // An offline partition whose last ISR member returns gets it back as leader.
    if (controller.leader === -1 && controller.isr.includes(id)) elect();
    trace.push(`b${id} restarted with leo=${b.partition.log.logEndOffset}; leader=${controller.leader} epoch=${controller.leaderEpoch}`);
    publish();
  };

  const completeProduces = (): void => {
    const l = leader();
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (l === null || p.leaderId !== l.id || p.leaderEpoch !== controller.leaderEpoch) {
        pending.splice(i, 1);
        continue;
      }
      const check = l.partition.checkEnoughReplicasReachOffset(p.baseOffset + 1n);
      if (!check.done) continue;
      pending.splice(i, 1);
      if (check.errorCode !== ErrorCode.NONE) continue;
      const batch = batchesOf(l.partition).get(p.baseOffset);
      if (batch === undefined) throw new InvariantViolation(`acked ${p.value} at ${p.baseOffset} is not in the leader's log`);
      acked.set(p.baseOffset, batch.crc);
      stats.acked++;
      trace.push(`acked ${p.value} at ${p.baseOffset}`);
    }
  };

  const checkInvariants = (): void => {
    const l = leader();
    const leaders = [...brokers.values()].filter((b) => b.alive && b.partition.isLeader && b.partition.leaderEpoch === controller.leaderEpoch);
    if (leaders.length > 1) throw new InvariantViolation(`two leaders in epoch ${controller.leaderEpoch}: ${leaders.map((b) => b.id).join(',')}`);
    if (l === null) return;
    const leaderBatches = batchesOf(l.partition);
    for (const [offset, crc] of acked) {
      if (offset < l.partition.log.logStartOffset) continue;
      if (leaderBatches.get(offset)?.crc !== crc) throw new InvariantViolation(`acked batch at ${offset} lost: leader b${l.id} (epoch ${controller.leaderEpoch}) has ${leaderBatches.get(offset)?.crc ?? 'nothing'}`);
    }
    const hw = l.partition.highWatermark;
    const before = highestHw.get(controller.leaderEpoch);
    if (before !== undefined && hw < before) throw new InvariantViolation(`high watermark went back from ${before} to ${hw} in epoch ${controller.leaderEpoch}`);
    highestHw.set(controller.leaderEpoch, hw);
    for (const b of brokers.values()) {
      if (!b.alive || b === l) continue;
      for (const [offset, batch] of batchesOf(b.partition)) {
        if (offset >= b.partition.highWatermark) break;
        const at = leaderBatches.get(offset);
        if (at === undefined || at.key !== batch.key) throw new InvariantViolation(`b${b.id} disagrees with leader b${l.id} at ${offset} below its high watermark ${b.partition.highWatermark}`);
      }
    }
  };

  publish();
  try {
    for (let step = 0; step < options.steps; step++) {
      const roll = rng.int(100);
      const down = [...brokers.values()].find((b) => !b.alive);
      if (roll < 35) produce();
      else if (roll < 70) fetch(BROKERS[rng.int(3)]!);
      else if (roll < 78) {
        nowMs += rng.between(50, 1500);
        trace.push(`now=${nowMs}`);
      } else if (roll < 84) {
        const proposal = leader()?.partition.maybeShrinkIsr(nowMs, REPLICA_LAG_TIME_MAX_MS) ?? null;
        if (proposal !== null) sendAlter(controller.leader, proposal);
      } else if (roll < 90) deliverAlter();
      else if (roll < 93) {
        const b = brokers.get(BROKERS[rng.int(3)]!)!;
        if (b.alive) b.partition.log.flush();
      } else if (roll < 95) {
        // At most one broker down at a time: a crash loses unsynced writes, so two at once could lose acked data in Kafka too.
        if (down === undefined) crash(BROKERS[rng.int(3)]!);
      } else if (roll < 98) {
        if (down !== undefined) restart(down.id);
      } else {
        const id = BROKERS[rng.int(3)]!;
        if (cut.delete(id)) trace.push(`b${id} reconnected`);
        else {
          cut.add(id);
          trace.push(`b${id} cut off from the leader`);
        }
      }
      completeProduces();
      checkInvariants();
    }
  } catch (error) {
    if (!(error instanceof InvariantViolation)) throw error;
    return { ok: false, failure: error.message, trace, ...stats };
  }
  return { ok: true, failure: null, trace, ...stats };
}

const scanned = new WeakMap<PartitionLeader, { version: string; batches: Map<bigint, { crc: number; key: BatchKey }> }>();

/** The batches of a replica's log by base offset, with what identifies each (CRC, last offset, epoch); rescanned only after the log changed. */
function batchesOf(partition: PartitionLeader): Map<bigint, { crc: number; key: BatchKey }> {
  const log = partition.log;
  const version = `${log.logStartOffset}/${log.logEndOffset}/${log.truncationCount}`;
  const cached = scanned.get(partition);
  if (cached?.version === version) return cached.batches;
  const out = new Map<bigint, { crc: number; key: BatchKey }>();
  scanned.set(partition, { version, batches: out });
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, 1 << 16);
    if (records.length === 0) break;
    for (const view of batchViews(records, { allowPartialTail: true })) {
      out.set(view.baseOffset, { crc: view.crc, key: `${view.lastOffset}@${view.partitionLeaderEpoch}:${view.crc}` });
      offset = view.lastOffset + 1n;
    }
  }
  return out;
}

/** A broken build for the simulation to catch: the high watermark is the leader's log end, whatever the followers hold. */
export function breakHighWatermark(): () => void {
  const original = ReplicaTracker.prototype.maybeAdvanceHighWatermark;
  ReplicaTracker.prototype.maybeAdvanceHighWatermark = function (this: ReplicaTracker, leaderLogEndOffset: bigint): boolean {
    const moved = leaderLogEndOffset > this.highWatermark;
    if (moved) this.resetHighWatermark(leaderLogEndOffset);
    return moved;
  };
  return () => {
    ReplicaTracker.prototype.maybeAdvanceHighWatermark = original;
  };
}
