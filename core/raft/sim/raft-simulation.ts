import { SeededRandom } from '../../actors/seeded-random.js';
import { emptyDisk, persistReady, type MemoryDisk } from '../memory-disk.js';
import { MetadataImage } from '../metadata/metadata-image.js';
import { decodeMetadataRecords, encodeMetadataRecords } from '../metadata/metadata-record.js';
import { EntryKind } from '../raft-log.js';
import { RaftNode, RaftRole } from '../raft-node.js';
import type { Ready } from '../raft-ready.js';
import { InvariantChecker } from './invariant-checker.js';
import { RecordGenerator } from './record-generator.js';
import { calmNetwork, SimulatedNetwork } from './simulated-network.js';

export interface SimulationOptions {
  readonly seed: number;
  readonly voterCount: 3 | 5;
  readonly observerCount: number;
  /** Steps during which faults are injected. */
  readonly faultSteps: number;
  /** After the faults stop, a leader must commit a new record within this many steps. */
  readonly livenessBoundSteps: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure: string | undefined;
  /** The last events before a failure, to read with the seed. */
  readonly trace: readonly string[];
  readonly committedOffset: number;
  readonly maxEpoch: number;
  readonly faults: number;
  readonly livenessSteps: number;
  /** How often the run exercised the rarer paths. */
  readonly snapshotInstalls: number;
  /** Installs of a snapshot larger than one FetchSnapshot answer may carry. */
  readonly piecedSnapshotInstalls: number;
  readonly truncations: number;
}

interface SimNode {
  readonly id: number;
  raft: RaftNode | undefined;
  readonly disk: MemoryDisk;
  image: MetadataImage;
  appliedOffset: number;
  /** Clock skew: the node ticks once every tickPeriod steps. */
  readonly tickPeriod: number;
  readonly tickPhase: number;
  readonly random: SeededRandom;
}

const electionTimeoutTicks = 5;
/** Smaller than most images, so snapshots travel in several FetchSnapshot pieces. */
const maxSnapshotFetchBytes = 64;

/**
 * One seeded run of a whole quorum in one thread: voters and observers, a packet simulator with
 * loss, duplication, delay and (asymmetric) partitions, crashes that lose everything not yet
 * persisted, clock skew, leaders resigning, snapshots. Invariants are checked after every event;
 * once the faults stop, a leader must commit a new record within a bounded number of steps.
 */
export function runSimulation(options: SimulationOptions): SimulationResult {
  const world = new World(options);
  return world.run();
}

class World {
  private readonly random: SeededRandom;
  private readonly network: SimulatedNetwork;
  private readonly generator: RecordGenerator;
  private readonly nodes: SimNode[] = [];
  private readonly voters: number[];
  private readonly checker = new InvariantChecker();
  private readonly trace: string[] = [];
  private step = 0;
  private faults = 0;
  private snapshotInstalls = 0;
  private piecedSnapshotInstalls = 0;
  private truncations = 0;

  constructor(private readonly options: SimulationOptions) {
    this.random = new SeededRandom(options.seed);
    this.network = new SimulatedNetwork(this.random.fork());
    this.generator = new RecordGenerator(this.random.fork());
    this.voters = Array.from({ length: options.voterCount }, (_, i) => i + 1);
    const ids = [...this.voters, ...Array.from({ length: options.observerCount }, (_, i) => options.voterCount + i + 1)];
    for (const id of ids) {
      const tickPeriod = this.random.between(1, 3);
      const node: SimNode = {
        id,
        raft: undefined,
        disk: emptyDisk(),
        image: new MetadataImage(),
        appliedOffset: 0,
        tickPeriod,
        tickPhase: this.random.int(tickPeriod),
        random: this.random.fork(),
      };
      this.nodes.push(node);
      this.start(node);
    }
  }

  run(): SimulationResult {
    let livenessSteps = -1;
    try {
      for (; this.step < this.options.faultSteps; this.step++) {
        this.maybeInjectFault();
        this.advanceStep(0.3);
      }
      this.stopFaults();
      livenessSteps = this.awaitProgress();
      return this.result(undefined, livenessSteps);
    } catch (error) {
      return this.result(error instanceof Error ? error.message : String(error), livenessSteps);
    }
  }

  private result(failure: string | undefined, livenessSteps: number): SimulationResult {
    return {
      seed: this.options.seed,
      ok: failure === undefined,
      failure,
      trace: [
        ...this.trace.slice(-40),
        ...this.nodes.map((n) => {
          const s = n.raft?.status();
          return s === undefined ? `node ${n.id}: down` : `node ${n.id}: ${s.role} epoch=${s.epoch} leader=${s.leaderId} voted=${s.votedId} log=[${s.logStartOffset},${s.logEndOffset}) lastEpoch=${s.lastEpoch} highWatermark=${s.highWatermark} applied=${n.appliedOffset} tickPeriod=${n.tickPeriod}`;
        }),
      ],
      committedOffset: this.checker.committedOffset,
      maxEpoch: this.checker.maxEpoch,
      faults: this.faults,
      livenessSteps,
      snapshotInstalls: this.snapshotInstalls,
      piecedSnapshotInstalls: this.piecedSnapshotInstalls,
      truncations: this.truncations,
    };
  }

  private log(event: string): void {
    this.trace.push(`step ${this.step}: ${event}`);
    if (this.trace.length > 200) this.trace.splice(0, 100);
  }

  /** One step: ticks, client proposals, deliveries, then each node's Ready; invariants after each event. */
  private advanceStep(proposeChance: number): void {
    for (const node of this.nodes) {
      if (node.raft === undefined || (this.step + node.tickPhase) % node.tickPeriod !== 0) continue;
      node.raft.tick();
      this.afterEvent(node, false);
    }
    if (this.random.chance(proposeChance)) this.proposeOnALeader();
    for (const message of this.network.due(this.step)) {
      const node = this.nodes.find((n) => n.id === message.to);
      if (node?.raft === undefined) continue;
      node.raft.step(message);
      this.afterEvent(node, false);
    }
    for (const node of this.nodes) {
      if (node.raft !== undefined && this.random.chance(0.7)) this.afterEvent(node, true);
      this.maybeSnapshot(node);
    }
    this.checker.checkAll(this.nodes.map((n) => ({ id: n.id, raft: n.raft, image: n.image, appliedOffset: n.appliedOffset })));
  }

  /**
   * Checks the invariants after an event; handles the node's Ready in the contract's order when
   * asked to, or at random (a Ready left for later is what a crash loses).
   */
  private afterEvent(node: SimNode, handleReady = true): void {
    const raft = node.raft!;
    while ((handleReady || this.random.chance(0.5)) && raft.hasReady()) {
      const ready = raft.ready();
      if (ready.log.snapshot !== undefined) this.snapshotInstalls++;
      if (ready.log.snapshot !== undefined && ready.log.snapshot.data.length > maxSnapshotFetchBytes) this.piecedSnapshotInstalls++;
      if (ready.log.truncateToOffset !== undefined) this.truncations++;
      persistReady(node.disk, ready);
      checkDurableBeforeSend(node.disk, ready);
      for (const message of ready.messages) this.network.send(message, this.step);
      if (ready.snapshotToApply !== undefined) {
        node.image = MetadataImage.fromSnapshot(ready.snapshotToApply.data);
        node.appliedOffset = ready.snapshotToApply.id.endOffset;
      }
      for (const entry of ready.committedEntries) {
        if (entry.kind === EntryKind.data) for (const record of decodeMetadataRecords(entry.data)) node.image.replay(record);
        node.appliedOffset = entry.offset + 1;
      }
      raft.advance(ready);
    }
    this.checker.checkNode({ id: node.id, raft, image: node.image, appliedOffset: node.appliedOffset });
  }

  private proposeOnALeader(): void {
    const leaders = this.nodes.filter((n) => n.raft?.role === RaftRole.leader);
    if (leaders.length === 0) return;
    const leader = this.random.pick(leaders);
    const raft = leader.raft!;
    const offset = raft.status().logEndOffset;
    const result = raft.propose(encodeMetadataRecords(this.generator.next(leader.image, offset)));
    if (result.errorCode === 0) this.log(`propose on ${leader.id} at ${result.offset}@${result.epoch}`);
    this.afterEvent(leader);
  }

  private maybeSnapshot(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined || raft.hasReady() || !this.random.chance(0.02)) return;
    const status = raft.status();
    if (node.appliedOffset - status.logStartOffset < 8) return;
    const data = node.image.toSnapshot();
    const id = raft.createSnapshot(node.appliedOffset, data);
    node.disk.snapshot = { id, data };
    node.disk.entries = node.disk.entries.filter((e) => e.offset >= id.endOffset);
    this.log(`snapshot on ${node.id} at ${id.endOffset}@${id.epoch}`);
  }

  private start(node: SimNode): void {
    const { disk } = node;
    node.raft = new RaftNode(
      {
        nodeId: node.id,
        voters: this.voters,
        electionTimeoutTicks,
        fetchTimeoutTicks: 8,
        requestTimeoutTicks: 6,
        maxFetchEntries: 2,
        maxSnapshotFetchBytes,
        random: () => node.random.next(),
      },
      { quorumState: disk.quorumState, snapshotId: disk.snapshot?.id, entries: disk.entries },
    );
    if (disk.snapshot !== undefined) node.raft.restoreSnapshot(disk.snapshot);
    // The state machine restarts from the snapshot; committed entries after it are applied again.
    node.image = disk.snapshot === undefined ? new MetadataImage() : MetadataImage.fromSnapshot(disk.snapshot.data);
    node.appliedOffset = disk.snapshot?.id.endOffset ?? 0;
    this.checker.restarted(node.id);
    this.afterEvent(node);
  }

  private maybeInjectFault(): void {
    if (!this.random.chance(0.08)) return;
    this.faults++;
    const ids = this.nodes.map((n) => n.id);
    switch (this.random.int(8)) {
      case 0: {
        const up = this.nodes.filter((n) => n.raft !== undefined);
        if (up.length === 0) return;
        const node = this.random.pick(up);
        node.raft = undefined;
        this.network.dropConnections(node.id);
        this.log(`crash ${node.id}`);
        return;
      }
      case 1: {
        const down = this.nodes.filter((n) => n.raft === undefined);
        if (down.length === 0) return;
        const node = this.random.pick(down);
        this.log(`restart ${node.id}`);
        this.start(node);
        return;
      }
      case 2: {
        const shuffled = this.random.shuffle([...ids]);
        const cut = this.random.between(1, shuffled.length - 1);
        this.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
        this.log(`partition ${shuffled.slice(0, cut).join(',')} / ${shuffled.slice(cut).join(',')}`);
        return;
      }
      case 3: {
        const from = this.random.pick(ids);
        const to = this.random.pick(ids.filter((id) => id !== from));
        this.network.cut(from, to);
        this.log(`cut link ${from}->${to} (asymmetric)`);
        return;
      }
      case 4:
        this.network.heal();
        this.log('heal');
        return;
      case 5:
        this.network.faults = {
          lossRate: this.random.chance(0.5) ? 0 : this.random.next() * 0.3,
          duplicateRate: this.random.next() * 0.2,
          maxDelaySteps: this.random.between(1, 8),
        };
        this.log(`network loss=${this.network.faults.lossRate.toFixed(2)} duplicate=${this.network.faults.duplicateRate.toFixed(2)} delay<=${this.network.faults.maxDelaySteps}`);
        return;
      case 6: {
        // kill -9 and an immediate restart by a supervisor: only what was persisted comes back.
        const up = this.nodes.filter((n) => n.raft !== undefined);
        if (up.length === 0) return;
        const node = this.random.pick(up);
        this.network.dropConnections(node.id);
        this.log(`reboot ${node.id}`);
        this.start(node);
        return;
      }
      default: {
        const leader = this.nodes.find((n) => n.raft?.role === RaftRole.leader);
        if (leader === undefined) return;
        this.log(`resign ${leader.id}`);
        leader.raft!.resign();
        this.afterEvent(leader);
        return;
      }
    }
  }

  private stopFaults(): void {
    this.network.heal();
    this.network.faults = { ...calmNetwork };
    for (const node of this.nodes) {
      if (node.raft !== undefined) continue;
      this.log(`restart ${node.id} (faults over)`);
      this.start(node);
    }
    this.log('faults over');
  }

  /** Liveness: a leader is elected and commits a record proposed in its own epoch. */
  private awaitProgress(): number {
    const startStep = this.step;
    const deadline = this.step + this.options.livenessBoundSteps;
    let pending: { nodeId: number; offset: number; epoch: number } | undefined;
    for (; this.step < deadline; this.step++) {
      this.advanceStep(0);
      const leader = this.nodes.find((n) => n.raft?.role === RaftRole.leader);
      if (leader === undefined) continue;
      const raft = leader.raft!;
      if (pending !== undefined && pending.nodeId === leader.id && pending.epoch === raft.status().epoch) {
        if (raft.highWatermark > pending.offset) return this.step - startStep;
        continue;
      }
      const result = raft.propose(encodeMetadataRecords(this.generator.next(leader.image, raft.status().logEndOffset)));
      if (result.errorCode === 0) pending = { nodeId: leader.id, offset: result.offset, epoch: result.epoch };
      this.afterEvent(leader);
    }
    throw new Error(`liveness: no new record committed within ${this.options.livenessBoundSteps} steps after the faults stopped`);
  }
}

/** The Ready contract seen from the disk: what a message claims is already persisted when it leaves. */
function checkDurableBeforeSend(disk: MemoryDisk, ready: Ready): void {
  for (const { to, body } of ready.messages) {
    if (body.type === 'VoteResponse' && body.voteGranted && !body.preVote) {
      const q = disk.quorumState;
      // Durable state may already be in a later epoch (the node moved on in the same Ready); never in an earlier one.
      if (q === undefined || q.epoch < body.leaderEpoch || (q.epoch === body.leaderEpoch && q.votedId !== to)) throw new Error(`invariant violated: a vote for ${to} in epoch ${body.leaderEpoch} left before it was persisted`);
    }
    if (body.type === 'FetchRequest') {
      // The claim "my log ends at fetchOffset with lastFetchedEpoch" must hold on disk (it may have grown since).
      const snapshot = disk.snapshot?.id ?? { endOffset: 0, epoch: 0 };
      const epochOnDisk = body.fetchOffset === snapshot.endOffset ? snapshot.epoch : disk.entries.find((e) => e.offset === body.fetchOffset - 1)?.epoch;
      if (epochOnDisk !== body.lastFetchedEpoch) throw new Error(`invariant violated: fetch at ${body.fetchOffset}@${body.lastFetchedEpoch} left before that log was persisted (disk: snapshot ${snapshot.endOffset}@${snapshot.epoch}, entries ${disk.entries[0]?.offset}..${disk.entries.at(-1)?.offset}@${disk.entries.at(-1)?.epoch})`);
    }
  }
}
