/**
 * Scripted coordinator scenarios in the style of etcd raft's interaction
 * tests: each testdata/*.txt holds commands and, after `----`, the replies
 * and records they produced. Run with REWRITE=1 to regenerate the expected
 * output, then review the diff.
 */
import { describe } from 'vitest';
import { replayTranscripts } from '../protocol/test-support/transcript.js';
import { encodeSubscription } from './consumer-protocol.js';
import { coordinatorPartitionFor } from './coordinator-partition.js';
import { errorName } from './error-codes.js';
import type { CoordinatorResult, Reply } from './group-api.js';
import { defaultGroupCoordinatorConfig, GroupCoordinator } from './group-coordinator.js';
import { decodeGroupRecord, encodeGroupRecord, type EncodedRecord } from './group-record-codec.js';
import type { GroupCoordinatorRecord } from './group-records.js';

const text = (bytes: Uint8Array): string => JSON.stringify(Buffer.from(bytes).toString('utf8'));

class Harness {
  nowMs = 0;
  private coordinator!: GroupCoordinator;
  /** The partition's records as bytes, replayed through the codec on reload. */
  private readonly log: EncodedRecord[] = [];
  /** After `stall`: the writes not committed yet (lost by a crash), each with its records and write mark, until `settle`. */
  private stalled: Array<{ records: EncodedRecord[]; mark: number }> | null = null;
  private config = { ...defaultGroupCoordinatorConfig, offsetsTopicNumPartitions: 1, partition: 0, groupInitialRebalanceDelayMs: 0 };
  private nextMemberSuffix = 1;
  private nextRef = 1;

  constructor() {
    this.start();
    this.coordinator.completeLoad(this.nowMs);
  }

  private start(): void {
    this.coordinator = new GroupCoordinator({ ...this.config, memberIdSuffix: () => String(this.nextMemberSuffix++) });
  }

  run(line: string): string[] {
    const [command = '', ...rest] = line.trim().split(/\s+/);
    const args = new Map(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const arg = (name: string, fallback: string): string => args.get(name) ?? fallback;
    const num = (name: string, fallback: number): number => Number(arg(name, String(fallback)));
    const nullable = (name: string): string | null => (args.has(name) ? arg(name, '') : null);
    const ref = (): number => num('r', this.nextRef++);
    const group = arg('g', 'g');
    const c = this.coordinator;
    switch (command) {
      case 'config': {
        const owner = args.get('owner');
        this.config = {
          ...this.config,
          groupInitialRebalanceDelayMs: num('initial-delay', this.config.groupInitialRebalanceDelayMs),
          groupMaxSize: num('max-size', this.config.groupMaxSize),
          offsetsRetentionMs: num('retention', this.config.offsetsRetentionMs),
          offsetsRetentionCheckIntervalMs: num('check-interval', this.config.offsetsRetentionCheckIntervalMs),
          offsetsTopicNumPartitions: num('partitions', this.config.offsetsTopicNumPartitions),
          offsetMetadataMaxBytes: num('metadata-max', this.config.offsetMetadataMaxBytes),
        };
        if (owner !== undefined) this.config.partition = coordinatorPartitionFor(owner, this.config.offsetsTopicNumPartitions);
        this.start();
        this.coordinator.completeLoad(this.nowMs);
        return [`partition=${this.config.partition}`];
      }
      case 'join': {
        const topics = arg('topics', 't1').split(',');
        const protocols = arg('p', 'range').split(',').map((name) => ({ name, metadata: encodeSubscription(topics) }));
        return this.print(
          c.joinGroup(
            ref(),
            {
              groupId: group,
              sessionTimeoutMs: num('session', 10_000),
              rebalanceTimeoutMs: num('rebalance', 30_000),
              memberId: arg('m', ''),
              groupInstanceId: nullable('i'),
              protocolType: arg('pt', 'consumer'),
              protocols,
              requireKnownMemberId: arg('known', 'true') === 'true',
              clientId: arg('c', 'client'),
              clientHost: '/127.0.0.1',
            },
            this.nowMs,
          ),
        );
      }
      case 'sync': {
        const assignments = (args.get('a') ?? '')
          .split(';')
          .filter((a) => a !== '')
          .map((a) => ({ memberId: a.slice(0, a.indexOf('=')), assignment: Buffer.from(a.slice(a.indexOf('=') + 1)) }));
        return this.print(
          c.syncGroup(ref(), { groupId: group, generationId: num('gen', 0), memberId: arg('m', ''), groupInstanceId: nullable('i'), protocolType: nullable('pt'), protocolName: nullable('pn'), assignments }, this.nowMs),
        );
      }
      case 'heartbeat':
        return this.print(c.heartbeat(ref(), { groupId: group, generationId: num('gen', 0), memberId: arg('m', ''), groupInstanceId: nullable('i') }, this.nowMs));
      case 'leave': {
        const members = arg('m', '')
          .split(',')
          .map((m) => {
            const [memberId = '', instance] = m.split('/');
            return { memberId, groupInstanceId: instance ?? null };
          });
        return this.print(c.leaveGroup(ref(), { groupId: group, members }, this.nowMs));
      }
      case 'commit': {
        const partitions = arg('o', '').split(',').map((o) => {
          const [topic = '', partition = '0', offset = '0', metadata] = o.split(':');
          return { topic, partition: Number(partition), offset: BigInt(offset), metadata: metadata ?? '' };
        });
        const topics = [...new Set(partitions.map((p) => p.topic))].map((name) => ({
          name,
          partitions: partitions.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, committedMetadata: p.metadata === 'BIG' ? 'x'.repeat(5000) : p.metadata })),
        }));
        return this.print(
          c.offsetCommit(ref(), { groupId: group, generationIdOrMemberEpoch: num('gen', -1), memberId: arg('m', ''), groupInstanceId: nullable('i'), retentionTimeMs: num('retention', -1), topics }, this.nowMs),
        );
      }
      case 'fetch': {
        const topics = args.has('t') ? arg('t', '').split(';').map((t) => ({ name: t.split(':')[0]!, partitionIndexes: t.split(':')[1]!.split(',').map(Number) })) : null;
        const response = c.offsetFetch({ groupId: group, topics, requireStable: arg('stable', 'false') === 'true' });
        const parts = response.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}${p.metadata === '' ? '' : ` ${JSON.stringify(p.metadata)}`}${p.errorCode ? ` ${errorName(p.errorCode)}` : ''}`));
        return [`fetch ${group} ${errorName(response.errorCode)} ${parts.join(' ')}`.trimEnd()];
      }
      case 'txn-commit': {
        // TxnOffsetCommit of producer `pid`: written now, visible only once `txn-end` says its commit marker landed.
        const topics = arg('o', '').split(',').map((o) => {
          const [topic = '', partition = '0', offset = '0'] = o.split(':');
          return { name: topic, partitions: [{ partitionIndex: Number(partition), committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] };
        });
        const request = { transactionalId: 'tx', groupId: group, producerId: BigInt(arg('pid', '1')), producerEpoch: 0, generationId: num('gen', -1), memberId: arg('m', ''), groupInstanceId: nullable('i'), topics };
        return this.print(c.txnOffsetCommit(ref(), request, this.nowMs));
      }
      case 'txn-end':
        c.completeTransaction(BigInt(arg('pid', '1')), arg('commit', 'true') === 'true');
        return [`transaction of producer ${arg('pid', '1')} ${arg('commit', 'true') === 'true' ? 'committed' : 'aborted'}`];
      case 'offset-delete': {
        const topics = arg('t', '').split(';').map((t) => ({ name: t.split(':')[0]!, partitions: t.split(':')[1]!.split(',').map((p) => ({ partitionIndex: Number(p) })) }));
        return this.print(c.offsetDelete(ref(), { groupId: group, topics }, this.nowMs));
      }
      case 'delete-groups':
        return this.print(c.deleteGroups(ref(), group.split(','), this.nowMs));
      case 'list': {
        const response = c.listGroups({ statesFilter: args.has('states') ? arg('states', '').split(',') : [] });
        return [`list ${errorName(response.errorCode)} ${response.groups.map((g) => `${g.groupId}:${g.groupState}:${g.protocolType}`).join(' ')}`.trimEnd()];
      }
      case 'describe':
        return c.describeGroups(group.split(',')).map((d) => {
          const members = d.members.map((m) => `${m.memberId}${m.groupInstanceId === null ? '' : `/${m.groupInstanceId}`}=${text(m.memberAssignment)}`);
          return `describe ${d.groupId} ${errorName(d.errorCode)} state=${d.groupState} type=${d.protocolType} protocol=${d.protocolData} members=[${members.join(' ')}]`;
        });
      case 'state': {
        const g = c.group(group);
        if (g === undefined) return [`state ${group}: none`];
        const members = [...g.members.values()].map((m) => `${m.memberId}${m.groupInstanceId === null ? '' : `/${m.groupInstanceId}`}`);
        return [`state ${group}: ${g.state} gen=${g.generationId} protocol=${g.protocolName} leader=${g.leaderId} members=[${members.join(' ')}] pending=[${[...g.pendingJoinMembers].join(' ')}]`];
      }
      case 'advance': {
        this.nowMs += Number(rest[0]);
        return [`now=${this.nowMs}`, ...this.print(c.poll(this.nowMs))];
      }
      case 'stall':
        // The partition stops committing: what is written from now on waits for `settle`.
        this.stalled = [];
        return ['appends wait'];
      case 'settle': {
        // The oldest `writes` waiting writes are committed (all of them by default); appends flow again once none waits.
        const waiting = this.stalled ?? [];
        const settled = waiting.splice(0, num('writes', waiting.length));
        for (const write of settled) {
          this.log.push(...write.records);
          c.committedUpTo(write.mark);
        }
        if (waiting.length === 0) this.stalled = null;
        return [`${settled.flatMap((w) => w.records).length} records committed, ${waiting.length} writes wait`];
      }
      case 'crash':
        // Everything in memory is lost; what was committed to the partition survives.
        this.start();
        this.stalled = null;
        return [`log has ${this.log.length} records`];
      case 'reload':
        // The broker may come back with another group.max.size.
        if (args.has('max-size')) {
          this.config = { ...this.config, groupMaxSize: num('max-size', this.config.groupMaxSize) };
          this.start();
        }
        for (const { key, value } of this.log) this.coordinator.replay(decodeGroupRecord(key, value)!);
        return ['loaded', ...this.print(this.coordinator.completeLoad(this.nowMs))];
      default:
        throw new Error(`unknown command: ${line}`);
    }
  }

  private print(result: CoordinatorResult): string[] {
    if (this.stalled !== null) {
      if (result.records.length > 0) this.stalled.push({ records: result.records.map(encodeGroupRecord), mark: this.coordinator.lastWrittenMark() });
    } else {
      this.log.push(...result.records.map(encodeGroupRecord));
      this.coordinator.committedUpTo(this.coordinator.lastWrittenMark());
    }
    return [...result.records.map(formatRecord), ...result.replies.map(formatReply)];
  }
}

function formatRecord(record: GroupCoordinatorRecord): string {
  if (record.type === 'OffsetCommit') {
    const { group, topic, partition } = record.key;
    if (record.value === null) return `  record OffsetCommit ${group} ${topic}-${partition} tombstone`;
    const expire = record.value.expireTimestamp === -1n ? '' : ` expire=${record.value.expireTimestamp}`;
    return `  record OffsetCommit ${group} ${topic}-${partition} offset=${record.value.offset} metadata=${JSON.stringify(record.value.metadata)} at=${record.value.commitTimestamp}${expire}`;
  }
  if (record.value === null) return `  record GroupMetadata ${record.key.group} tombstone`;
  const v = record.value;
  const members = v.members.map((m) => `${m.memberId}${m.groupInstanceId === null ? '' : `/${m.groupInstanceId}`}=${text(m.assignment)}`);
  return `  record GroupMetadata ${record.key.group} type=${v.protocolType} gen=${v.generation} protocol=${v.protocol} leader=${v.leader} members=[${members.join(' ')}]`;
}

function formatReply(reply: Reply): string {
  const head = `  r${reply.to} ${reply.api}`;
  switch (reply.api) {
    case 'JoinGroup': {
      const r = reply.response;
      if (r.errorCode !== 0) return `${head} ${errorName(r.errorCode)} member=${r.memberId}`;
      const members = r.members.map((m) => `${m.memberId}${m.groupInstanceId === null ? '' : `/${m.groupInstanceId}`}`);
      return `${head} NONE member=${r.memberId} gen=${r.generationId} protocol=${r.protocolName} leader=${r.leader}${r.skipAssignment ? ' skip-assignment' : ''} members=[${members.join(' ')}]`;
    }
    case 'SyncGroup':
      return reply.response.errorCode !== 0 ? `${head} ${errorName(reply.response.errorCode)}` : `${head} NONE assignment=${text(reply.response.assignment)}`;
    case 'Heartbeat':
      return `${head} ${errorName(reply.response.errorCode)}`;
    case 'LeaveGroup':
      return `${head} ${errorName(reply.response.errorCode)} [${reply.response.members.map((m) => `${m.memberId}${m.groupInstanceId === null ? '' : `/${m.groupInstanceId}`}:${errorName(m.errorCode)}`).join(' ')}]`;
    case 'OffsetCommit':
    case 'TxnOffsetCommit':
    case 'OffsetDelete': {
      const top = 'errorCode' in reply.response ? ` ${errorName(reply.response.errorCode)}` : '';
      return `${head}${top} ${reply.response.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}:${errorName(p.errorCode)}`)).join(' ')}`.trimEnd();
    }
    case 'DeleteGroups':
      return `${head} ${reply.response.results.map((r) => `${r.groupId}:${errorName(r.errorCode)}`).join(' ')}`;
  }
}

describe('group coordinator transcripts', () => {
  replayTranscripts(new URL('./testdata/', import.meta.url), () => {
    const harness = new Harness();
    return (line) => harness.run(line);
  });
});
