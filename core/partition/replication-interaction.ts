import { defaultLogConfig } from '../log/log-config.js';
import { MemoryFileSystem } from '../log/memory-file-system.js';
import { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { batchViews } from '../protocol/record-batch-header.js';
import { buildUncompressedRecordBatch } from '../protocol/records/record-batch-builder.js';
import { fetchingFrom, initialFetchState, truncationOffset } from './follower-truncation.js';
import { PartitionLeader } from './partition-leader.js';
import type { IsrProposal } from './replica-tracker.js';

/**
 * The interpreter behind `testdata/replication/*.txt`: one partition's
 * replicas (a PartitionLeader over an in-memory log per broker), the
 * controller's image of it, and a clock, driven by commands. It prints what
 * a leader decides (high watermark, ISR proposals, diverging epochs, acks=all
 * answers) and what a follower does (appends, truncations).
 */
interface Replica {
  readonly fs: MemoryFileSystem;
  log: PartitionLog;
  partition: PartitionLeader;
}

interface WaitingProduce {
  readonly id: number;
  readonly requiredOffset: bigint;
}

const errorName = (code: number): string => Object.entries(ErrorCode).find(([, value]) => value === code)?.[0] ?? String(code);
const list = (ids: readonly number[]): string => `[${ids.join(',')}]`;

export class ReplicationInteraction {
  private nowMs = 0;
  private readonly replicas = new Map<number, Replica>();
  private image = { leader: 1, leaderEpoch: 1, partitionEpoch: 0, replicas: [] as number[], isr: [] as number[] };
  private minInsyncReplicas = 1;
  private replicaLagTimeMaxMs = 30_000;
  /** The AlterPartition in flight: sent by the leader, not yet answered. */
  private inFlight: { from: number; proposal: IsrProposal } | null = null;
  private waiting: WaitingProduce[] = [];
  private nextProduce = 1;

  run(command: string, args: ReadonlyMap<string, string>, positional: readonly string[]): string[] {
    const out: string[] = [];
    switch (command) {
      case 'open': {
        const ids = (args.get('replicas') ?? '1,2,3').split(',').map(Number);
        this.minInsyncReplicas = Number(args.get('min-isr') ?? '1');
        this.replicaLagTimeMaxMs = Number(args.get('lag') ?? '30000');
        this.image = { leader: ids[0]!, leaderEpoch: 1, partitionEpoch: 0, replicas: ids, isr: ids };
        for (const id of ids) this.openReplica(id);
        break;
      }
      case 'advance':
        this.nowMs += Number(positional[0]);
        out.push(`now=${this.nowMs}`);
        break;
      case 'produce':
        this.produce(Number(args.get('records') ?? '1'), args.get('acks') === 'all' ? -1 : 1, out);
        break;
      case 'fetch':
        for (const id of positional.map(Number)) this.fetch(id, out);
        break;
      case 'check-isr': {
        this.propose(this.leader().partition.maybeShrinkIsr(this.nowMs, this.replicaLagTimeMaxMs), out);
        break;
      }
      case 'controller':
        this.answer(positional[0] ?? 'accept', out);
        break;
      case 'elect': {
        const leader = Number(positional[0]);
        const isr = args.has('isr') ? args.get('isr')!.split(',').map(Number) : this.image.isr;
        this.image = { ...this.image, leader, leaderEpoch: this.image.leaderEpoch + 1, partitionEpoch: this.image.partitionEpoch + 1, isr };
        this.publish();
        out.push(`leader=${leader} epoch=${this.image.leaderEpoch} isr=${list(isr)}`);
        break;
      }
      case 'crash': {
        // kill -9 with the unsynced tail lost (power loss): the log reopens from what was synced.
        const id = Number(positional[0]);
        const replica = this.replicas.get(id)!;
        replica.fs.crash();
        this.openReplica(id, replica.fs);
        out.push(`b${id} reopened leo=${this.replicas.get(id)!.log.logEndOffset}`);
        break;
      }
      case 'lose-epochs': {
        // The leader-epoch-checkpoint is gone (an operator removed it); the data stays.
        const id = Number(positional[0]);
        const replica = this.replicas.get(id)!;
        replica.log.close();
        replica.fs.unlink('/data/t-0/leader-epoch-checkpoint');
        this.openReplica(id, replica.fs);
        out.push(`b${id} reopened leo=${this.replicas.get(id)!.log.logEndOffset} epochs=${this.replicas.get(id)!.log.leaderEpochs.all.length}`);
        break;
      }
      case 'sync':
        for (const id of positional.map(Number)) this.replicas.get(id)!.log.flush();
        break;
      case 'state':
        for (const id of [...this.replicas.keys()].sort()) out.push(this.describe(id));
        break;
      default:
        throw new Error(`unknown command ${command}`);
    }
    this.completeWaiting(out);
    return out;
  }

  private openReplica(id: number, fs = new MemoryFileSystem()): void {
    fs.mkdir('/data');
    const log = PartitionLog.open({ dir: '/data', topic: 't', partition: 0, config: { ...defaultLogConfig, segmentBytes: 1 << 20 }, fs, clock: { nowMs: () => this.nowMs } });
    const partition = new PartitionLeader(log, id, this.leadership(), { compressionType: 'producer', minInsyncReplicas: this.minInsyncReplicas }, undefined, this.nowMs);
    this.replicas.set(id, { fs, log, partition });
  }

  private leadership() {
    const { leader, leaderEpoch, partitionEpoch, replicas, isr } = this.image;
    return { leaderId: leader, leaderEpoch, partitionEpoch, replicas, isr };
  }

  private publish(): void {
    for (const replica of this.replicas.values()) replica.partition.updateLeadership(this.leadership(), this.nowMs);
  }

  private leader(): Replica {
    return this.replicas.get(this.image.leader)!;
  }

  private produce(records: number, acks: number, out: string[]): void {
    const batch = buildUncompressedRecordBatch({ records: Array.from({ length: records }, (_, i) => ({ value: Buffer.from(`r${i}`), timestamp: this.nowMs })) });
    const result = this.leader().partition.appendSync(batch, this.nowMs, acks)!;
    if (result.errorCode !== ErrorCode.NONE) {
      out.push(`produce ${errorName(result.errorCode)}`);
      return;
    }
    const line = `produce offsets ${result.baseOffset}-${result.lastOffset} hw=${this.leader().partition.highWatermark}`;
    if (acks !== -1) {
      out.push(line);
      return;
    }
    const id = this.nextProduce++;
    out.push(`${line} (acks=all p${id} waits)`);
    this.waiting.push({ id, requiredOffset: result.lastOffset + 1n });
  }

  private completeWaiting(out: string[]): void {
    const leader = this.leader().partition;
    this.waiting = this.waiting.filter((w) => {
      const check = leader.checkEnoughReplicasReachOffset(w.requiredOffset);
      if (check.done) out.push(`p${w.id} answered ${errorName(check.errorCode)}`);
      return !check.done;
    });
  }

  /** One follower fetch round trip: the follower's fetch state, the leader's answer, the follower applying it. */
  private fetch(id: number, out: string[]): void {
    const follower = this.replicas.get(id)!;
    const leader = this.leader().partition;
    let state = initialFetchState(follower.partition.epochs, follower.partition.highWatermark);
    if (state.kind === 'truncating') {
      follower.partition.truncateTo(state.truncateTo);
      out.push(`b${id} has no epochs: truncated to its high watermark ${follower.log.logEndOffset}`);
      state = fetchingFrom(follower.partition.epochs);
    }
    if (state.kind !== 'fetching') return;
    const hwBefore = leader.highWatermark;
    const read = leader.readForFollower(id, state.fetchOffset, state.lastFetchedEpoch, 1 << 20, this.nowMs);
    const ask = `b${id} fetch offset=${state.fetchOffset} lastFetchedEpoch=${state.lastFetchedEpoch}`;
    if (read.errorCode !== ErrorCode.NONE) {
      out.push(`${ask}: ${errorName(read.errorCode)}`);
      return;
    }
    if (read.divergingEpoch !== null) {
      const to = truncationOffset(follower.partition.epochs, read.divergingEpoch);
      follower.partition.truncateTo(to);
      out.push(`${ask}: diverging ${read.divergingEpoch.endOffset}@${read.divergingEpoch.epoch}, truncated to ${follower.log.logEndOffset}`);
      return;
    }
    const hwMoved = leader.highWatermark !== hwBefore ? ` (leader hw ${hwBefore}->${leader.highWatermark})` : '';
    const ranges = [...batchViews(read.records)].map((v) => `${v.baseOffset}-${v.lastOffset}@${v.partitionLeaderEpoch}`);
    if (read.records.length > 0) follower.partition.appendAsFollower(Buffer.from(read.records), read.highWatermark);
    else follower.partition.updateFollowerHighWatermark(read.highWatermark);
    out.push(`${ask}: ${ranges.length === 0 ? 'nothing' : ranges.join(' ')} hw=${read.highWatermark}${hwMoved}`);
    this.propose(read.proposal, out);
  }

  private propose(proposal: IsrProposal | null, out: string[]): void {
    if (proposal === null) return;
    this.inFlight = { from: this.image.leader, proposal };
    out.push(`AlterPartition isr=${list(proposal.newIsr)} leaderEpoch=${proposal.leaderEpoch} partitionEpoch=${proposal.partitionEpoch}`);
  }

  /** The controller's answer to the AlterPartition in flight (as core/raft/controller/alter-partition.ts fences it). */
  private answer(how: string, out: string[]): void {
    const sent = this.inFlight;
    if (sent === null) {
      out.push('no AlterPartition in flight');
      return;
    }
    this.inFlight = null;
    const leader = this.replicas.get(sent.from)!.partition;
    if (how === 'lose') {
      leader.onIsrChangeOutcome({ kind: 'unanswered' });
      this.inFlight = { from: sent.from, proposal: leader.replicaTracker.pendingProposal()! };
      out.push('unanswered: sent again');
      return;
    }
    const stale = sent.proposal.leaderEpoch !== this.image.leaderEpoch || sent.proposal.partitionEpoch !== this.image.partitionEpoch;
    if (how === 'refuse' || stale) {
      const errorCode = stale ? ErrorCode.INVALID_UPDATE_VERSION : ErrorCode.INELIGIBLE_REPLICA;
      leader.onIsrChangeOutcome({ kind: 'refused', errorCode });
      out.push(`refused ${errorName(errorCode)}`);
      return;
    }
    this.image = { ...this.image, isr: [...sent.proposal.newIsr], partitionEpoch: this.image.partitionEpoch + 1 };
    leader.onIsrChangeOutcome({ kind: 'accepted', leaderEpoch: this.image.leaderEpoch, partitionEpoch: this.image.partitionEpoch, isr: this.image.isr });
    out.push(`accepted isr=${list(this.image.isr)} partitionEpoch=${this.image.partitionEpoch}`);
  }

  private describe(id: number): string {
    const { partition, log } = this.replicas.get(id)!;
    const batches = log.logEndOffset > log.logStartOffset ? [...batchViews(log.read(log.logStartOffset, 1 << 20).records)] : [];
    const epochs = log.leaderEpochs.all.map((e) => `${e.epoch}@${e.startOffset}`).join(',');
    const role = partition.isLeader ? 'leader' : 'follower';
    let line = `b${id} ${role} leo=${log.logEndOffset} hw=${partition.highWatermark} epochs=[${epochs}] log=[${batches.map((v) => `${v.baseOffset}-${v.lastOffset}@${v.partitionLeaderEpoch}`).join(' ')}]`;
    if (partition.isLeader) {
      const state = partition.replicaTracker.isrState;
      line += ` isr=${list(state.isr)}${state.kind === 'committed' ? '' : ` ${state.kind} ${list(state.proposedIsr)}`}`;
    }
    return line;
  }
}
