import { EntryKind, type Entry } from './raft-log.js';
import type { RaftMessage } from './raft-messages.js';
import { RaftNode, type RaftConfig } from './raft-node.js';
import { emptyDisk, persistReady, type MemoryDisk } from './memory-disk.js';
import type { Ready } from './raft-ready.js';

/**
 * The interpreter behind `testdata/*.txt` (etcd raft's interaction tests): a cluster in one
 * thread, driven step by step by commands, printing what each node persists, sends and applies.
 * Timeouts are not randomized (random = 0) so that transcripts stay readable.
 */
interface Member {
  node: RaftNode | undefined;
  readonly disk: MemoryDisk;
  applied: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RaftInteraction {
  private readonly members = new Map<number, Member>();
  private voters: number[] = [];
  private inFlight: RaftMessage[] = [];
  private readonly cut = new Set<string>();
  private electionTimeoutTicks = 10;
  private fetchTimeoutTicks = 20;
  private maxSnapshotFetchBytes = 1024;

  /** Runs one command and returns its transcript lines. */
  run(command: string, args: readonly string[]): string[] {
    const out: string[] = [];
    switch (command) {
      case 'add-nodes':
        this.addNodes(args, out);
        break;
      case 'campaign':
        this.node(this.id(args[0])).campaign();
        break;
      case 'resign':
        this.node(this.id(args[0])).resign();
        break;
      case 'tick': {
        const count = Number(args[1] ?? '1');
        for (let i = 0; i < count; i++) for (const id of this.ids(args[0])) this.members.get(id)!.node?.tick();
        break;
      }
      case 'propose': {
        const result = this.node(this.id(args[0])).propose(encoder.encode(args.slice(1).join(' ')));
        out.push(result.errorCode === 0 ? `proposed at offset ${result.offset} epoch ${result.epoch}` : `rejected with error ${result.errorCode}`);
        break;
      }
      case 'process-ready':
        for (const id of this.ids(args[0])) this.processReady(id, out);
        break;
      case 'deliver-msgs':
        this.deliver(this.ids(args[0]), out);
        break;
      case 'stabilize':
        this.stabilize(out);
        break;
      case 'partition':
        this.partition(args, out);
        break;
      case 'heal':
        this.cut.clear();
        out.push('healed');
        break;
      case 'snapshot': {
        const member = this.members.get(this.id(args[0]))!;
        const node = this.node(this.id(args[0]));
        const endOffset = node.status().appliedOffset;
        const data = encoder.encode(member.applied.join(','));
        const id = node.createSnapshot(endOffset, data);
        member.disk.snapshot = { id, data };
        member.disk.entries = member.disk.entries.filter((e) => e.offset >= endOffset);
        out.push(`snapshot ${id.endOffset}@${id.epoch}`);
        break;
      }
      case 'crash': {
        const id = this.id(args[0]);
        this.members.get(id)!.node = undefined;
        out.push(`crashed ${id}: unpersisted state lost`);
        break;
      }
      case 'restart': {
        const id = this.id(args[0]);
        this.start(id);
        out.push(this.describe(id));
        break;
      }
      case 'status':
        for (const id of this.ids(args[0])) out.push(this.describe(id));
        break;
      case 'log':
        for (const id of this.ids(args[0])) {
          const node = this.members.get(id)!.node;
          if (node === undefined) continue;
          const s = node.status();
          out.push(`${id}: start=${s.logStartOffset} ${formatEntries(node.entries(s.logStartOffset, s.logEndOffset))} applied=[${this.members.get(id)!.applied.join(',')}]`);
        }
        break;
      case 'describe-quorum': {
        const quorum = this.node(this.id(args[0])).describeQuorum();
        if (quorum === undefined) out.push('not the leader');
        else {
          out.push(`leader=${quorum.leaderId} epoch=${quorum.leaderEpoch} highWatermark=${quorum.highWatermark}`);
          const leaderEnd = quorum.currentVoters.find((r) => r.replicaId === quorum.leaderId)!.logEndOffset;
          for (const r of [...quorum.currentVoters, ...quorum.observers]) {
            out.push(`  ${quorum.currentVoters.includes(r) ? 'voter' : 'observer'} ${r.replicaId} logEndOffset=${r.logEndOffset} lag=${leaderEnd - r.logEndOffset}`);
          }
        }
        break;
      }
      default:
        throw new Error(`unknown command ${command}`);
    }
    return out;
  }

  private addNodes(args: readonly string[], out: string[]): void {
    const options = new Map(args.map((a) => a.split('=') as [string, string]));
    this.voters = (options.get('voters') ?? '').split(',').filter(Boolean).map(Number);
    const observers = (options.get('observers') ?? '').split(',').filter(Boolean).map(Number);
    this.electionTimeoutTicks = Number(options.get('election-timeout') ?? 10);
    this.fetchTimeoutTicks = Number(options.get('fetch-timeout') ?? 20);
    this.maxSnapshotFetchBytes = Number(options.get('snapshot-max-bytes') ?? 1024);
    for (const id of [...this.voters, ...observers]) {
      this.members.set(id, { node: undefined, disk: emptyDisk(), applied: [] });
      this.start(id);
      out.push(this.describe(id));
    }
  }

  private start(id: number): void {
    const member = this.members.get(id)!;
    const config: RaftConfig = {
      nodeId: id,
      voters: this.voters,
      electionTimeoutTicks: this.electionTimeoutTicks,
      fetchTimeoutTicks: this.fetchTimeoutTicks,
      requestTimeoutTicks: 5,
      maxFetchEntries: 3,
      maxSnapshotFetchBytes: this.maxSnapshotFetchBytes,
      random: () => 0,
    };
    const { disk } = member;
    member.node = new RaftNode(config, { quorumState: disk.quorumState, snapshotId: disk.snapshot?.id, entries: disk.entries });
    if (disk.snapshot !== undefined) member.node.restoreSnapshot(disk.snapshot);
    // The state machine is rebuilt from what is durable: the snapshot, then committed entries as they come.
    member.applied = disk.snapshot === undefined ? [] : splitApplied(disk.snapshot.data);
  }

  private processReady(id: number, out: string[]): void {
    const member = this.members.get(id)!;
    const node = member.node;
    if (node === undefined || !node.hasReady()) return;
    const ready = node.ready();
    out.push(...describeReady(id, ready));
    persistReady(member.disk, ready);
    this.inFlight.push(...ready.messages);
    if (ready.snapshotToApply !== undefined) member.applied = splitApplied(ready.snapshotToApply.data);
    for (const entry of ready.committedEntries) if (entry.kind === EntryKind.data) member.applied.push(decoder.decode(entry.data));
    node.advance(ready);
  }

  private deliver(to: readonly number[], out: string[]): void {
    const now = this.inFlight.filter((m) => to.includes(m.to));
    this.inFlight = this.inFlight.filter((m) => !to.includes(m.to));
    for (const message of now) {
      const node = this.members.get(message.to)?.node;
      const dropped = node === undefined || this.cut.has(`${message.from}-${message.to}`);
      out.push(`${dropped ? 'dropped ' : ''}${formatMessage(message)}`);
      if (!dropped) node.step(message);
    }
  }

  private stabilize(out: string[]): void {
    const all = [...this.members.keys()];
    for (let round = 0; round < 1000; round++) {
      const before = out.length;
      for (const id of all) this.processReady(id, out);
      this.deliver(all, out);
      if (out.length === before) return;
    }
    throw new Error('stabilize did not settle in 1000 rounds');
  }

  private partition(args: readonly string[], out: string[]): void {
    const groups = args.join(' ').split('/').map((g) => g.split(/[ ,]+/).filter(Boolean).map(Number));
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}-${y}`);
      }
    }
    out.push(`partitioned ${groups.map((g) => g.join(',')).join(' / ')}`);
  }

  private describe(id: number): string {
    const node = this.members.get(id)!.node;
    if (node === undefined) return `${id}: down`;
    const s = node.status();
    return `${id}: ${s.role}${s.isVoter ? '' : ' (observer)'} epoch=${s.epoch} leader=${s.leaderId} voted=${s.votedId} log=[${s.logStartOffset},${s.logEndOffset}) lastEpoch=${s.lastEpoch} highWatermark=${s.highWatermark}`;
  }

  private id(arg: string | undefined): number {
    const id = Number(arg);
    if (!this.members.has(id)) throw new Error(`no node ${arg}`);
    return id;
  }

  private ids(arg: string | undefined): number[] {
    if (arg === undefined || arg === 'all') return [...this.members.keys()];
    return arg.split(',').map((a) => this.id(a));
  }

  private node(id: number): RaftNode {
    const node = this.members.get(id)!.node;
    if (node === undefined) throw new Error(`node ${id} is down`);
    return node;
  }
}

function splitApplied(data: Uint8Array): string[] {
  const text = decoder.decode(data);
  return text === '' ? [] : text.split(',');
}

function describeReady(id: number, ready: Ready): string[] {
  const out: string[] = [];
  const q = ready.quorumState;
  if (q !== undefined) out.push(`${id} persist quorum-state epoch=${q.epoch} leader=${q.leaderId} voted=${q.votedId}`);
  if (ready.log.snapshot !== undefined) out.push(`${id} persist snapshot ${ready.log.snapshot.id.endOffset}@${ready.log.snapshot.id.epoch}`);
  if (ready.log.truncateToOffset !== undefined) out.push(`${id} persist truncate to ${ready.log.truncateToOffset}`);
  if (ready.log.entries.length > 0) out.push(`${id} persist ${formatEntries(ready.log.entries)}`);
  if (ready.committedEntries.length > 0) out.push(`${id} apply ${formatEntries(ready.committedEntries)} highWatermark=${ready.highWatermark}`);
  return out;
}

function formatEntries(entries: readonly Entry[]): string {
  return `[${entries.map((e) => `${e.offset}@${e.epoch}${e.kind === EntryKind.leaderChange ? ':leader-change' : `:${decoder.decode(e.data)}`}`).join(' ')}]`;
}

function formatMessage(message: RaftMessage): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(message.body)) {
    if (key === 'type' || value === undefined) continue;
    if (key === 'records') {
      if ((value as Entry[]).length > 0) fields.push(`records=${formatEntries(value as Entry[])}`);
    } else if (value instanceof Uint8Array) fields.push(`${key}=${JSON.stringify(decoder.decode(value))}`);
    else if (Array.isArray(value)) fields.push(`${key}=[${value.join(',')}]`);
    else if (typeof value === 'object') fields.push(`${key}={${Object.entries(value as object).map(([k, v]) => `${k}:${String(v)}`).join(' ')}}`);
    else fields.push(`${key}=${String(value)}`);
  }
  return `${message.from}->${message.to} ${message.body.type} ${fields.join(' ')}`;
}
