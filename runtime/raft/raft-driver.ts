import { batchViews } from '../../core/protocol/record-batch-header.js';
import type { QuorumVoter } from '../../core/raft/quorum-voters.js';
import { EntryKind, type Entry, type Snapshot } from '../../core/raft/raft-log.js';
import { RaftErrorCode, type RaftMessage, type RaftMessageBody } from '../../core/raft/raft-messages.js';
import { RaftNode, RaftRole, type QuorumDescription, type RaftStatus } from '../../core/raft/raft-node.js';
import type { Logger } from '../logger.js';
import { snapshotFileName, type MetadataLogStorage } from './metadata-log-storage.js';
import { PeerConnection } from './peer-connection.js';
import { batchesToSnapshot, snapshotToBatches } from './raft-entry-batches.js';
import { raftRequestToWire, raftResponseToWire, wireRequestToRaft, wireResponseToRaft } from './raft-wire.js';

/** What the driver feeds committed entries to (the metadata image, the controller). */
export interface RaftStateMachine {
  /**
   * A snapshot (its data are framed metadata records) replaces the whole state: start-up from a
   * checkpoint, or one fetched from the leader.
   */
  loadSnapshot(snapshot: Snapshot): void;
  /** Committed data entries, in offset order. */
  applyCommitted(entries: readonly Entry[]): void;
  /** The state as of everything applied, for a checkpoint. */
  snapshotData(): Uint8Array;
}

export interface RaftDriverOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly voters: readonly QuorumVoter[];
  readonly storage: MetadataLogStorage;
  readonly stateMachine: RaftStateMachine;
  readonly log: Logger;
  /** controller.quorum.election.timeout.ms, fetch.timeout.ms, request.timeout.ms, retry.backoff.ms. */
  readonly electionTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  /** Resolution of Raft's timers. */
  readonly tickMs?: number;
  /** metadata.log.max.record.bytes.between.snapshots: committed record bytes that call for a checkpoint. */
  readonly snapshotMaxNewRecordBytes?: number;
  /** metadata.log.max.snapshot.interval.ms: a checkpoint at least this often while records commit (0: bytes only). */
  readonly snapshotMaxIntervalMs?: number;
  /** MaxBytes of each FetchSnapshot this node sends: a bigger snapshot comes in several pieces. */
  readonly snapshotFetchMaxBytes?: number;
}

/** A proposal that could not commit: this node is not (or no longer) the leader. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
}

interface CommitWaiter {
  readonly lastOffset: number;
  readonly epoch: number;
  readonly resolve: (offset: number) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_TICK_MS = 25;
/** Kafka's defaults for the two snapshot keys, and the MaxBytes its FetchSnapshot asks for. */
const DEFAULT_SNAPSHOT_MAX_NEW_RECORD_BYTES = 20 * 1024 * 1024;
const DEFAULT_SNAPSHOT_MAX_INTERVAL_MS = 60 * 60 * 1000;
const DEFAULT_SNAPSHOT_FETCH_MAX_BYTES = 8 * 1024 * 1024;
const MAX_FETCH_ENTRIES = 4096;

/**
 * Runs a RaftNode with real time and I/O: a timer ticks it, inbound requests step it, and after
 * every input its Ready is handled in the contract's order — persist (fsync), then send, then
 * apply — before advance. Proposals resolve once their entries are committed and applied.
 */
export class RaftDriver {
  readonly node: RaftNode;
  private readonly peers = new Map<number, PeerConnection>();
  private readonly voterIds: number[];
  private readonly tickMs: number;
  private readonly snapshotMaxNewRecordBytes: number;
  private readonly snapshotMaxIntervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private nextInboundId = 1;
  private readonly inboundWaiters = new Map<number, (body: RaftMessageBody) => void>();
  private commitWaiters: CommitWaiter[] = [];
  private lastSnapshotEndOffset: number;
  private lastSnapshotMs = Date.now();
  private bytesSinceLastSnapshot = 0;
  /** FetchSnapshot requests sent since the last snapshot was loaded, for the log. */
  private snapshotRequestsSent = 0;
  private lastRole: RaftRole;
  private lastLeaderId = -1;
  private readonly roleListeners = new Set<(status: RaftStatus) => void>();
  private processing = false;
  private processScheduled = false;
  private stopped = false;

  constructor(private readonly options: RaftDriverOptions) {
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.snapshotMaxNewRecordBytes = options.snapshotMaxNewRecordBytes ?? DEFAULT_SNAPSHOT_MAX_NEW_RECORD_BYTES;
    this.snapshotMaxIntervalMs = options.snapshotMaxIntervalMs ?? DEFAULT_SNAPSHOT_MAX_INTERVAL_MS;
    this.voterIds = options.voters.map((v) => v.id);
    const ticks = (ms: number): number => Math.max(1, Math.round(ms / this.tickMs));
    this.node = new RaftNode(
      {
        nodeId: options.nodeId,
        voters: this.voterIds,
        electionTimeoutTicks: ticks(options.electionTimeoutMs),
        fetchTimeoutTicks: ticks(options.fetchTimeoutMs),
        // The leader parks an idle follower's fetch for half this long: it must answer well within
        // the follower's fetch timeout, or an idle quorum would keep electing new leaders.
        requestTimeoutTicks: ticks(Math.min(options.requestTimeoutMs, options.fetchTimeoutMs)),
        maxFetchEntries: MAX_FETCH_ENTRIES,
        maxSnapshotFetchBytes: options.snapshotFetchMaxBytes ?? DEFAULT_SNAPSHOT_FETCH_MAX_BYTES,
        isValidSnapshot: (data) => this.isValidCheckpoint(data),
        random: Math.random,
      },
      options.storage.persisted,
    );
    const snapshot = options.storage.latestSnapshot;
    if (snapshot !== undefined) {
      this.node.restoreSnapshot(snapshot);
      options.stateMachine.loadSnapshot(metadataSnapshot(snapshot));
    }
    this.lastSnapshotEndOffset = snapshot?.id.endOffset ?? 0;
    this.lastRole = this.node.role;
    for (const voter of options.voters) {
      if (voter.id === options.nodeId) continue;
      this.peers.set(
        voter.id,
        new PeerConnection({ host: voter.host, port: voter.port, requestTimeoutMs: options.requestTimeoutMs, reconnectBackoffMs: Math.max(1, options.retryBackoffMs), reconnectBackoffMaxMs: 1000 }),
      );
    }
  }

  start(): void {
    // A quorum of one needs no election timeout to find out it wins.
    if (this.voterIds.length === 1 && this.voterIds[0] === this.options.nodeId) this.node.campaign();
    this.process();
    this.timer = setInterval(() => this.input(() => {
      this.ticks++;
      this.node.tick();
    }), this.tickMs);
  }

  /**
   * Clean shutdown: a leader resigns first (EndQuorumEpoch lets the others elect at once instead of
   * waiting out their fetch timeout), then stops.
   */
  async shutdown(resignWaitMs = 200): Promise<void> {
    if (!this.stopped && this.node.role === RaftRole.leader && this.voterIds.length > 1) {
      this.input(() => this.node.resign());
      await new Promise((resolve) => setTimeout(resolve, resignWaitMs));
    }
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const peer of this.peers.values()) peer.close();
    this.failWaiters(new NotLeaderError('the quorum is shutting down'));
    this.options.storage.close();
  }

  status(): RaftStatus {
    return this.node.status();
  }

  /** DescribeQuorum's answer (leader only) with tick counts turned into wall-clock timestamps. */
  describeQuorum(): (QuorumDescription & { readonly nowMs: number; readonly tickMs: number; readonly ticks: number }) | undefined {
    const description = this.node.describeQuorum();
    return description === undefined ? undefined : { ...description, nowMs: Date.now(), tickMs: this.tickMs, ticks: this.ticks };
  }

  /** Called with the status after each change of role or leader. */
  onRoleChange(listener: (status: RaftStatus) => void): () => void {
    this.roleListeners.add(listener);
    return () => this.roleListeners.delete(listener);
  }

  /**
   * Appends entries (leader only) and resolves with the offset of the last one once it is committed
   * and applied here; rejects with NotLeaderError when this node is not, or stops being, the leader.
   */
  propose(datas: readonly Uint8Array[]): Promise<number> {
    if (this.stopped) return Promise.reject(new NotLeaderError('the quorum is shut down'));
    // Called from a state-machine callback while a Ready is out: propose once it is handled.
    if (this.processing) return Promise.resolve().then(() => this.propose(datas));
    if (datas.length === 0) return Promise.resolve(this.node.status().appliedOffset - 1);
    let last: { offset: number; epoch: number } | undefined;
    let refused = false;
    this.input(() => {
      for (const data of datas) {
        const result = this.node.propose(data);
        if (result.errorCode !== 0) {
          refused = true;
          return;
        }
        last = { offset: result.offset, epoch: result.epoch };
      }
    });
    if (refused || last === undefined) return Promise.reject(new NotLeaderError(`node ${this.options.nodeId} is not the quorum leader`));
    const { offset, epoch } = last;
    if (this.node.status().appliedOffset > offset) return Promise.resolve(offset);
    return new Promise((resolve, reject) => this.commitWaiters.push({ lastOffset: offset, epoch, resolve, reject }));
  }

  /** An inbound KRaft request (from a controller-plane handler), answered when the node replies. */
  handleInbound(apiKey: number, request: unknown, clientId: string | null): Promise<unknown> {
    const { from, body } = wireRequestToRaft(apiKey, request, clientId);
    const correlationId = this.nextInboundId++;
    return new Promise((resolve) => {
      this.inboundWaiters.set(correlationId, (reply) => resolve(raftResponseToWire(reply, this.voterIds, Date.now())));
      this.input(() => this.node.step({ from, to: this.options.nodeId, correlationId, body }));
    });
  }

  private input(change: () => void): void {
    if (this.stopped) return;
    if (this.processing) {
      queueMicrotask(() => this.input(change));
      return;
    }
    change();
    // Group commit: inputs of the same turn of the event loop share one Ready, so one fsync.
    if (this.processScheduled) return;
    this.processScheduled = true;
    queueMicrotask(() => {
      this.processScheduled = false;
      if (!this.stopped) this.process();
    });
  }

  /** Handles every Ready synchronously, so no input can arrive between ready() and advance(). */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.node.hasReady()) {
        const ready = this.node.ready();
        this.options.storage.persist(ready);
        for (const message of ready.messages) this.send(message);
        if (ready.snapshotToApply !== undefined) {
          const { id, data } = ready.snapshotToApply;
          this.options.log.info(
            `Raft node ${this.options.nodeId}: loaded snapshot ${snapshotFileName(id)} (${data.length} bytes) fetched from leader ${this.node.status().leaderId} in ${this.snapshotRequestsSent} FetchSnapshot requests`,
          );
          this.snapshotRequestsSent = 0;
          this.options.stateMachine.loadSnapshot(metadataSnapshot(ready.snapshotToApply));
        }
        const data = ready.committedEntries.filter((e) => e.kind === EntryKind.data);
        if (data.length > 0) this.options.stateMachine.applyCommitted(data);
        for (const entry of data) this.bytesSinceLastSnapshot += entry.data.length;
        this.node.advance(ready);
        this.settleWaiters(ready.committedEntries);
      }
      this.maybeSnapshot();
      this.noticeRoleChange();
    } finally {
      this.processing = false;
    }
  }

  private send(message: RaftMessage): void {
    if (message.body.type.endsWith('Response')) {
      const waiter = this.inboundWaiters.get(message.correlationId);
      this.inboundWaiters.delete(message.correlationId);
      waiter?.(message.body);
      return;
    }
    const peer = this.peers.get(message.to);
    if (peer === undefined) return;
    if (message.body.type === 'FetchSnapshotRequest') this.snapshotRequestsSent++;
    const wire = raftRequestToWire(message.body, this.options.clusterId, message.to);
    peer.request(wire.apiKey, wire.apiVersion, wire.clientId, wire.body).then(
      (response) => {
        let body: RaftMessageBody;
        try {
          body = wireResponseToRaft(wire.apiKey, response, message.body);
        } catch (error) {
          this.options.log.warn(`Ignoring a malformed ${message.body.type} answer from node ${message.to}: ${(error as Error).message}`);
          return;
        }
        this.input(() => this.node.step({ from: message.to, to: this.options.nodeId, correlationId: message.correlationId, body }));
      },
      // Lost requests are resent by the node's own timers.
      () => {},
    );
  }

  private settleWaiters(committed: readonly Entry[]): void {
    if (this.commitWaiters.length === 0 || committed.length === 0) return;
    const byOffset = new Map(committed.map((e) => [e.offset, e]));
    const appliedOffset = this.node.status().appliedOffset;
    this.commitWaiters = this.commitWaiters.filter((waiter) => {
      if (waiter.lastOffset >= appliedOffset) return true;
      const entry = byOffset.get(waiter.lastOffset);
      if (entry !== undefined && entry.epoch !== waiter.epoch) waiter.reject(new NotLeaderError('the proposal was replaced by another leader'));
      else waiter.resolve(waiter.lastOffset);
      return false;
    });
  }

  /** A fetched snapshot is whole record batches with valid CRCs and metadata records in them. */
  private isValidCheckpoint(data: Uint8Array): boolean {
    try {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      for (const batch of batchViews(bytes)) if (!batch.isCrcValid()) throw new Error(`the batch at position ${batch.position} fails its CRC`);
      batchesToSnapshot(bytes);
      return true;
    } catch (error) {
      this.options.log.warn(`Raft node ${this.options.nodeId}: fetching the snapshot again, the one fetched is corrupt: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * As Kafka's snapshot generator: a checkpoint once the records committed since the last one
   * reach metadata.log.max.record.bytes.between.snapshots, or once new records commit after
   * metadata.log.max.snapshot.interval.ms without one.
   */
  private maybeSnapshot(): void {
    const { appliedOffset, logEndOffset } = this.node.status();
    if (this.bytesSinceLastSnapshot === 0 || appliedOffset <= this.lastSnapshotEndOffset) return;
    const nowMs = Date.now();
    const byTime = this.snapshotMaxIntervalMs > 0 && nowMs - this.lastSnapshotMs >= this.snapshotMaxIntervalMs;
    if (this.bytesSinceLastSnapshot < this.snapshotMaxNewRecordBytes && !byTime) return;
    const endOffset = Math.min(appliedOffset, logEndOffset);
    // The node keeps the checkpoint file's bytes: what FetchSnapshot ships, piece by piece.
    const data = snapshotToBatches(this.options.stateMachine.snapshotData(), nowMs);
    const id = this.node.createSnapshot(endOffset, data);
    this.options.storage.writeSnapshot({ id, data });
    this.options.log.info(`Raft node ${this.options.nodeId}: wrote snapshot ${snapshotFileName(id)} (${data.length} bytes, ${this.bytesSinceLastSnapshot} bytes of records since the last)`);
    this.lastSnapshotEndOffset = id.endOffset;
    this.lastSnapshotMs = nowMs;
    this.bytesSinceLastSnapshot = 0;
  }

  private noticeRoleChange(): void {
    const status = this.node.status();
    if (status.role === this.lastRole && status.leaderId === this.lastLeaderId) return;
    const wasLeader = this.lastRole === RaftRole.leader;
    this.lastRole = status.role;
    this.lastLeaderId = status.leaderId;
    if (wasLeader && status.role !== RaftRole.leader) this.failWaiters(new NotLeaderError(`node ${this.options.nodeId} lost the quorum leadership`));
    // A leader that steps down drops the fetches it parked without answering: answer them here,
    // naming the leader now known, so followers move on instead of waiting for a timeout.
    if (wasLeader) this.answerDroppedFetches(status);
    this.options.log.info(`Raft node ${this.options.nodeId}: ${status.role} in epoch ${status.epoch}, leader ${status.leaderId}`);
    for (const listener of this.roleListeners) listener(status);
  }

  private answerDroppedFetches(status: RaftStatus): void {
    const waiters = [...this.inboundWaiters.values()];
    this.inboundWaiters.clear();
    for (const waiter of waiters) {
      waiter({
        type: 'FetchResponse',
        errorCode: RaftErrorCode.notLeaderOrFollower,
        highWatermark: status.highWatermark,
        currentLeader: { leaderId: status.leaderId, leaderEpoch: status.epoch },
        divergingEpoch: undefined,
        snapshotId: undefined,
        records: [],
      });
    }
  }

  private failWaiters(error: Error): void {
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

/** A checkpoint's record batches as the framed metadata records the state machine loads. */
function metadataSnapshot(checkpoint: Snapshot): Snapshot {
  const { buffer, byteOffset, byteLength } = checkpoint.data;
  return { id: checkpoint.id, data: batchesToSnapshot(Buffer.from(buffer, byteOffset, byteLength)) };
}
