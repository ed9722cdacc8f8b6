import { ANONYMOUS } from '../../core/security/kafka-principal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../core/actors/runtime.js';
import { encodeSubscription, subscribedTopics } from '../../core/group/consumer-protocol.js';
import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { decodeGroupRecord } from '../../core/group/group-record-codec.js';
import type { GroupCoordinatorRecord } from '../../core/group/group-records.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { decodeResponse, encodeResponse } from '../../core/protocol/request-frames.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import { defaultRegisterBrokerRecord } from '../../core/protocol/generated/metadata/register-broker-record.js';
import { defaultPartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import { defaultPartitionChangeRecord } from '../../core/protocol/generated/metadata/partition-change-record.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { batchViews, RecordBatchView } from '../../core/protocol/record-batch-header.js';
import { iterateRecords } from '../../core/protocol/records/record-iterator.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { loadBrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { groupApiHandlers } from '../handlers/api-handler-table.js';
import type { ApiHandler, RequestContext } from '../handlers/registry.js';
import { createMemoryLogger } from '../logger.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { OffsetsLogError, type ConsumerOffsetsLog } from './consumer-offsets-log.js';
import { GroupCoordinatorService } from './group-coordinator-service.js';
import { registerGroupMetrics } from './group-metrics.js';

const NODE_ID = 1;
const PARTITIONS = 4;

/**
 * __consumer_offsets in memory (test double of the replica manager): offsets
 * assigned on append, reads from an offset up to the high watermark, which
 * stops at the first batch whose append is still held.
 */
class MemoryOffsetsLog implements ConsumerOffsetsLog {
  readonly batches = new Map<number, Buffer[]>();
  /** Batches in the log but not yet committed (held appends): the high watermark stops at the first. */
  private readonly uncommitted = new Set<Buffer>();
  /** While true, a held append also fails with REQUEST_TIMED_OUT after its timeout, its batch staying in the log, as the purgatory does. */
  heldTimesOut = false;
  /** Reads so far (loading). */
  reads = 0;
  /** The next append fails with this. */
  failNextAppend: Error | null = null;
  /** While set, appends are written at once but acknowledged only when the test releases them. */
  held: Array<() => void> | null = null;
  /** While set, reads wait for it (a slow load). */
  readGate: Promise<void> | null = null;
  /** While set, reads fail with it. */
  readFailure: Error | null = null;
  /** The timeout each append was given. */
  readonly timeoutsMs: number[] = [];

  async append(partition: number, batch: Buffer, timeoutMs: number): Promise<void> {
    this.timeoutsMs.push(timeoutMs);
    const failure = this.failNextAppend;
    if (failure !== null) {
      this.failNextAppend = null;
      throw failure;
    }
    const log = this.batches.get(partition) ?? [];
    const copy = Buffer.from(batch);
    const view = new RecordBatchView(copy, 0);
    view.setBaseOffset(log.reduce((next, b) => next + BigInt(new RecordBatchView(b, 0).recordsCount), 0n));
    log.push(copy);
    this.batches.set(partition, log);
    const held = this.held;
    if (held === null) return;
    this.uncommitted.add(copy);
    const committed = new Promise<void>((resolve) => held.push(() => resolve(void this.uncommitted.delete(copy))));
    if (!this.heldTimesOut) return committed;
    return Promise.race([committed, new Promise<void>((_, reject) => setTimeout(() => reject(new OffsetsLogError(ErrorCode.REQUEST_TIMED_OUT, 'not committed in time')), timeoutMs))]);
  }

  async read(partition: number, fromOffset: bigint): Promise<{ batches: Buffer; nextOffset: bigint }> {
    this.reads++;
    await this.readGate;
    if (this.readFailure !== null) throw this.readFailure;
    const log = this.batches.get(partition) ?? [];
    const firstUncommitted = log.findIndex((b) => this.uncommitted.has(b));
    const belowHighWatermark = firstUncommitted < 0 ? log : log.slice(0, firstUncommitted);
    const after = belowHighWatermark.filter((b) => new RecordBatchView(b, 0).lastOffset >= fromOffset);
    if (after.length === 0) return { batches: Buffer.alloc(0), nextOffset: fromOffset };
    return { batches: Buffer.concat(after), nextOffset: new RecordBatchView(after.at(-1)!, 0).lastOffset + 1n };
  }

  logEndOffset(partition: number): bigint {
    const last = this.batches.get(partition)?.at(-1);
    return last === undefined ? 0n : new RecordBatchView(last, 0).lastOffset + 1n;
  }

  records(partition: number): GroupCoordinatorRecord[] {
    const out: GroupCoordinatorRecord[] = [];
    for (const view of batchViews(Buffer.concat(this.batches.get(partition) ?? []))) {
      for (const record of iterateRecords(view)) out.push(decodeGroupRecord(record.key!, record.value)!);
    }
    return out;
  }
}

/** The metadata quorum as the broker sees it (test double): createTopics applies records at once. */
class FakeClusterMetadata implements ClusterMetadata {
  readonly nodeId = NODE_ID;
  readonly created: CreateTopicsRequest[] = [];
  private readonly current = new MetadataImage();
  private readonly listeners = new Set<(image: MetadataImage) => void>();

  constructor(private readonly leaderOf: (partition: number) => number = () => NODE_ID) {
    for (const brokerId of [1, 2]) {
      this.current.replay({
        type: MetadataRecordType.RegisterBrokerRecord,
        value: { ...defaultRegisterBrokerRecord(), brokerId, fenced: false, endPoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + brokerId, securityProtocol: 0 }] },
      });
    }
    // The topic the tests' consumers commit offsets of.
    const topicId = 'AAAAAAAAAAAAAAAAAAAAAA';
    this.current.replay({ type: MetadataRecordType.TopicRecord, value: { name: 'orders', topicId } });
    this.current.replay({ type: MetadataRecordType.PartitionRecord, value: { ...defaultPartitionRecord(), partitionId: 0, topicId, replicas: [NODE_ID], isr: [NODE_ID], leader: NODE_ID } });
  }

  image(): MetadataImage {
    return this.current;
  }
  onChange(listener: (image: MetadataImage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    this.created.push(request);
    for (const topic of request.topics) {
      const topicId = `AAAAAAAAAAAAAAAAAAAAA${this.created.length}`;
      this.current.replay({ type: MetadataRecordType.TopicRecord, value: { name: topic.name, topicId } });
      for (let partitionId = 0; partitionId < topic.numPartitions; partitionId++) {
        const leader = this.leaderOf(partitionId);
        this.current.replay({ type: MetadataRecordType.PartitionRecord, value: { ...defaultPartitionRecord(), partitionId, topicId, replicas: [leader], isr: [leader], leader } });
      }
    }
    for (const listener of this.listeners) listener(this.current);
    return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, topicId: '', errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, configs: [] })) };
  }
  /** Another node becomes the leader of a __consumer_offsets partition (this node resigns it). */
  moveLeader(partitionId: number, leader: number): void {
    const topicId = this.current.topicIdsByName.get('__consumer_offsets')!;
    this.current.replay({ type: MetadataRecordType.PartitionChangeRecord, value: { ...defaultPartitionChangeRecord(), partitionId, topicId, leader } });
    for (const listener of this.listeners) listener(this.current);
  }
  createPartitions(): never {
    throw new Error('not used');
  }
  deleteTopics(): never {
    throw new Error('not used');
  }
  incrementalAlterConfigs(): never {
    throw new Error('not used');
  }
}

const properties = {
  'process.roles': 'broker',
  'node.id': String(NODE_ID),
  'controller.quorum.voters': '3@127.0.0.1:9093',
  listeners: 'PLAINTEXT://127.0.0.1:9091',
  'controller.listener.names': 'CONTROLLER',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  'log.dirs': '/tmp/unused',
  'offsets.topic.num.partitions': String(PARTITIONS),
  'offsets.topic.replication.factor': '1',
  'group.initial.rebalance.delay.ms': '0',
};
const { config } = loadBrokerConfig(properties);

interface Node {
  runtime: Runtime;
  coordinator: GroupCoordinatorService;
  /** The group APIs as the broker listeners serve them. */
  handlers: readonly ApiHandler[];
  metrics: BrokerMetrics;
  metadata: FakeClusterMetadata;
  call<Req, Res>(apiKey: number, version: number, request: Req, clientId?: string): Promise<Res>;
}

const started: Node[] = [];

async function startNode(offsetsLog: ConsumerOffsetsLog, metadata = new FakeClusterMetadata(), brokerConfig = config): Promise<Node> {
  const runtime = await Runtime.start({ threads: {}, log: () => undefined });
  const metrics = new BrokerMetrics({ processMetrics: false });
  const coordinator = new GroupCoordinatorService({ config: brokerConfig, metadata, offsetsLog, runtime, logger: createMemoryLogger() });
  coordinator.start();
  registerGroupMetrics(metrics, coordinator);
  const handlers = groupApiHandlers({ groups: coordinator, metadata, advertisedListeners: () => brokerConfig.advertisedListeners, transactionTopic: null });
  let correlationId = 0;
  const node: Node = {
    runtime,
    coordinator,
    handlers,
    metadata,
    metrics,
    call: async <Req, Res>(apiKey: number, apiVersion: number, request: Req, clientId = 'client-1'): Promise<Res> => {
      const handler = handlers.find((h) => h.apiKey === apiKey) as ApiHandler<Req, Res>;
      const context: RequestContext = { connectionId: 'c', listenerName: 'PLAINTEXT', clientAddress: '127.0.0.1:50000', principal: ANONYMOUS, clientId, apiKey, apiVersion, correlationId: correlationId++ };
      // Through the wire format of that version, as a client would read it.
      const response = await handler.handle(context, request);
      const frame = encodeResponse(apiKey, apiVersion, context.correlationId, response).toBuffer();
      return decodeResponse(frame, apiKey, apiVersion).body as Res;
    },
  };
  started.push(node);
  return node;
}

afterEach(async () => {
  for (const node of started.splice(0)) {
    await node.coordinator.stop();
    await node.runtime.shutdown();
  }
});

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const subscription = encodeSubscription(['orders']);

async function findCoordinator(node: Node, groupId: string): Promise<{ errorCode: number; nodeId: number; port: number }> {
  return eventually(
    () => node.call<object, { errorCode: number; nodeId: number; port: number }>(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0, coordinatorKeys: [] }),
    (r) => r.errorCode === ErrorCode.NONE,
  );
}

/** A consumer joining alone (v5: MEMBER_ID_REQUIRED first), syncing an assignment: returns its member id and generation. */
async function joinAlone(node: Node, groupId: string): Promise<{ memberId: string; generationId: number }> {
  const join = (memberId: string) =>
    node.call<object, { errorCode: number; memberId: string; generationId: number; leader: string; members: Array<{ memberId: string; metadata: Buffer }> }>(ApiKey.JoinGroup, 5, {
      groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }], reason: null,
    });
  const first = await eventually(() => join(''), (r) => r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && r.errorCode !== ErrorCode.NOT_COORDINATOR);
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId).toMatch(/^client-1-/);
  const joined = await join(first.memberId);
  expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, memberId: first.memberId, leader: first.memberId, generationId: 1 });
  expect(subscribedTopics(joined.members[0]!.metadata)).toEqual(['orders']);
  const synced = await node.call<object, { errorCode: number; assignment: Buffer }>(ApiKey.SyncGroup, 3, {
    groupId, generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from('mine') }],
  });
  expect(synced).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('mine') });
  return { memberId: first.memberId, generationId: joined.generationId };
}

async function commit(node: Node, groupId: string, memberId: string, generationId: number, offset: bigint): Promise<number> {
  const response = await node.call<object, { topics: Array<{ partitions: Array<{ errorCode: number }> }> }>(ApiKey.OffsetCommit, 8, {
    groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: 'm' }] }],
  });
  return response.topics[0]!.partitions[0]!.errorCode;
}

type FetchedGroups = { groups: Array<{ groupId: string; errorCode: number; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; metadata: string | null; errorCode: number }> }> }> };

function fetchOffsets(node: Node, groupIds: string[]): Promise<FetchedGroups> {
  return node.call<object, FetchedGroups>(ApiKey.OffsetFetch, 8, {
    groupId: '', topics: [], requireStable: false, groups: groupIds.map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: null })),
  });
}

describe('group coordinators in the broker', () => {
  it('creates a compacted __consumer_offsets on the first FindCoordinator and points every key at the leader of its partition', async () => {
    const node = await startNode(new MemoryOffsetsLog(), new FakeClusterMetadata((p) => (p % 2 === 0 ? 1 : 2)));
    const v4 = await node.call<object, { coordinators: Array<{ key: string; nodeId: number; port: number; errorCode: number }> }>(ApiKey.FindCoordinator, 4, {
      key: '', keyType: 0, coordinatorKeys: ['alpha', 'beta', 'gamma'],
    });
    expect(node.metadata.created).toHaveLength(1);
    const topic = node.metadata.created[0]!.topics[0]!;
    expect(topic).toMatchObject({ name: '__consumer_offsets', numPartitions: PARTITIONS, replicationFactor: 1 });
    expect(topic.configs).toContainEqual({ name: 'cleanup.policy', value: 'compact' });
    expect(v4.coordinators.map((c) => c.key)).toEqual(['alpha', 'beta', 'gamma']);
    for (const c of v4.coordinators) {
      const leader = coordinatorPartitionFor(c.key, PARTITIONS) % 2 === 0 ? 1 : 2;
      expect(c).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: leader, port: 9090 + leader });
    }
    const v0 = await node.call<object, { errorCode: number; nodeId: number }>(ApiKey.FindCoordinator, 0, { key: 'alpha', keyType: 0, coordinatorKeys: [] });
    expect(v0).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: v4.coordinators[0]!.nodeId });
    expect(node.metadata.created).toHaveLength(1);
    // A group this node does not coordinate is refused so that the client asks FindCoordinator again.
    const elsewhere = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].find((g) => coordinatorPartitionFor(g, PARTITIONS) % 2 === 1)!;
    const heartbeat = await node.call<object, { errorCode: number }>(ApiKey.Heartbeat, 4, { groupId: elsewhere, generationId: 1, memberId: 'm', groupInstanceId: null });
    expect(heartbeat.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('answers joins, syncs and commits only after their records are in the group\'s partition, in Kafka\'s formats', async () => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    expect(await commit(node, 'g1', memberId, generationId, 42n)).toBe(ErrorCode.NONE);
    expect(await commit(node, 'g1', memberId, generationId + 1, 43n)).toBe(ErrorCode.ILLEGAL_GENERATION);
    // Partitions the cluster does not have are refused and not stored, as in Kafka.
    const unknown = await node.call<object, { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }>(ApiKey.OffsetCommit, 8, {
      groupId: 'g1', generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 7, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] },
        { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] },
      ],
    });
    expect(unknown.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

    const records = log.records(coordinatorPartitionFor('g1', PARTITIONS));
    const stable = records.filter((r) => r.type === 'GroupMetadata' && r.value !== null && r.value.generation === 1);
    expect(stable.at(-1)).toMatchObject({ key: { group: 'g1' }, value: { protocolType: 'consumer', protocol: 'range', leader: memberId } });
    const commits = records.filter((r) => r.type === 'OffsetCommit');
    expect(commits).toEqual([{ type: 'OffsetCommit', key: { group: 'g1', topic: 'orders', partition: 0 }, value: expect.objectContaining({ offset: 42n, leaderEpoch: 3, metadata: 'm' }) }]);
    for (const [partition, batches] of log.batches) if (partition !== coordinatorPartitionFor('g1', PARTITIONS)) expect(batches).toEqual([]);

    const fetched = await fetchOffsets(node, ['g1', 'never-committed']);
    expect(fetched.groups[0]).toMatchObject({ groupId: 'g1', errorCode: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42n, metadata: 'm', errorCode: 0 }] }] });
    expect(fetched.groups[1]).toMatchObject({ groupId: 'never-committed', errorCode: 0, topics: [] });

    const described = await node.call<object, { groups: Array<{ groupId: string; groupState: string; members: Array<{ memberId: string; clientHost: string; memberAssignment: Buffer }> }> }>(
      ApiKey.DescribeGroups, 5, { groups: ['g1'], includeAuthorizedOperations: false },
    );
    expect(described.groups[0]).toMatchObject({ groupId: 'g1', groupState: 'Stable', members: [{ memberId, clientHost: '/127.0.0.1', memberAssignment: Buffer.from('mine') }] });
    const listed = await node.call<object, { groups: Array<{ groupId: string; groupState: string }> }>(ApiKey.ListGroups, 4, { statesFilter: ['stable'], typesFilter: [] });
    expect(listed.groups).toEqual([expect.objectContaining({ groupId: 'g1', groupState: 'Stable' })]);
    const scraped = await node.metrics.text();
    expect(scraped).toContain(`freshet_group_coordinator_partitions ${PARTITIONS}`);
    expect(scraped).toContain('freshet_consumer_groups{state="Stable"} 1');
    expect(scraped).toContain('freshet_consumer_groups{state="Empty"} 0');

    const left = await node.call<object, { errorCode: number }>(ApiKey.LeaveGroup, 0, { groupId: 'g1', memberId, members: [] });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    const deleted = await node.call<object, { results: Array<{ groupId: string; errorCode: number }> }>(ApiKey.DeleteGroups, 2, { groupsNames: ['g1', 'unknown'] });
    expect(deleted.results).toEqual([{ groupId: 'g1', errorCode: ErrorCode.NONE }, { groupId: 'unknown', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
    expect(log.records(coordinatorPartitionFor('g1', PARTITIONS)).slice(-2)).toEqual([
      { type: 'OffsetCommit', key: { group: 'g1', topic: 'orders', partition: 0 }, value: null },
      { type: 'GroupMetadata', key: { group: 'g1' }, value: null },
    ]);
  });

  it('loads a partition before serving it: COORDINATOR_LOAD_IN_PROGRESS meanwhile, then the committed offsets of the previous run', async () => {
    const log = new MemoryOffsetsLog();
    const first = await startNode(log);
    await findCoordinator(first, 'g1');
    const { memberId, generationId } = await joinAlone(first, 'g1');
    expect(await commit(first, 'g1', memberId, generationId, 7n)).toBe(ErrorCode.NONE);
    expect(await commit(first, 'g1', memberId, generationId, 9n)).toBe(ErrorCode.NONE);

    let open!: () => void;
    log.readGate = new Promise((resolve) => (open = resolve));
    const metadata = new FakeClusterMetadata();
    await metadata.createTopics(first.metadata.created[0]!);
    const second = await startNode(log, metadata);
    const loading = await eventually(() => fetchOffsets(second, ['g1']), (r) => r.groups[0]!.errorCode !== ErrorCode.NOT_COORDINATOR);
    expect(loading.groups[0]!.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    open();
    const loaded = await eventually(() => fetchOffsets(second, ['g1']), (r) => r.groups[0]!.errorCode === ErrorCode.NONE);
    expect(loaded.groups[0]!.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 9n, metadata: 'm' });
    // The member of the previous run is still known (its session restarts from the load).
    const heartbeat = await second.call<object, { errorCode: number }>(ApiKey.Heartbeat, 4, { groupId: 'g1', generationId, memberId, groupInstanceId: null });
    expect(heartbeat.errorCode).toBe(ErrorCode.NONE);
  });

  // Kafka's coordinator runtime translates the failed write: a timeout is COORDINATOR_NOT_AVAILABLE, a storage error NOT_COORDINATOR.
  it.each([
    { failure: 'a storage error', error: () => new Error('disk full'), answer: ErrorCode.NOT_COORDINATOR },
    { failure: 'a timeout', error: () => new OffsetsLogError(ErrorCode.REQUEST_TIMED_OUT, 'the ISR did not reach the batch in time'), answer: ErrorCode.COORDINATOR_NOT_AVAILABLE },
  ])('never acknowledges a write whose append failed with $failure: answers it as Kafka does, reloads, and the commit is not there', async ({ error, answer }) => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    expect(await commit(node, 'g1', memberId, generationId, 5n)).toBe(ErrorCode.NONE);
    log.failNextAppend = error();
    expect(await commit(node, 'g1', memberId, generationId, 6n)).toBe(answer);
    const fetched = await eventually(() => fetchOffsets(node, ['g1']), (r) => r.groups[0]!.errorCode === ErrorCode.NONE);
    expect(fetched.groups[0]!.topics[0]!.partitions[0]!.committedOffset).toBe(5n);
    expect(await commit(node, 'g1', memberId, generationId, 6n)).toBe(ErrorCode.NONE);
  });

  it('after an append failed with KAFKA_STORAGE_ERROR (its partition is offline until a restart) refuses writes NOT_COORDINATOR at once and keeps answering reads with what was acknowledged', async () => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    expect(await commit(node, 'g1', memberId, generationId, 5n)).toBe(ErrorCode.NONE);
    log.failNextAppend = new OffsetsLogError(ErrorCode.KAFKA_STORAGE_ERROR, 'No space left on device');
    expect(await commit(node, 'g1', memberId, generationId, 6n)).toBe(ErrorCode.NOT_COORDINATOR);
    // No reload (it could not read the offline partition): the appends the log would take are never tried.
    expect(await commit(node, 'g1', memberId, generationId, 7n)).toBe(ErrorCode.NOT_COORDINATOR);
    const fetched = await fetchOffsets(node, ['g1']);
    expect(fetched.groups[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.groups[0]!.topics[0]!.partitions[0]!.committedOffset).toBe(5n);
    expect(log.records(coordinatorPartitionFor('g1', PARTITIONS)).filter((r) => r.type === 'OffsetCommit')).toEqual([expect.objectContaining({ value: expect.objectContaining({ offset: 5n }) })]);
  });

  it('stops loading a partition that is offline (KAFKA_STORAGE_ERROR) at once: requests soon get NOT_COORDINATOR, not COORDINATOR_LOAD_IN_PROGRESS for minutes', async () => {
    const log = new MemoryOffsetsLog();
    log.readFailure = new OffsetsLogError(ErrorCode.KAFKA_STORAGE_ERROR, 'Input/output error');
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const loading = await eventually(() => fetchOffsets(node, ['g1']), (r) => r.groups[0]!.errorCode !== ErrorCode.NOT_COORDINATOR);
    expect(loading.groups[0]!.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const fetched = await eventually(() => fetchOffsets(node, ['g1']), (r) => r.groups[0]!.errorCode === ErrorCode.NOT_COORDINATOR, 3_000);
    expect(fetched.groups[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commit(node, 'g1', '', -1, 1n)).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('answers every version of every group API in that version\'s schema, and so do its error answers', async () => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g');
    const topics = [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }];
    const requests: Record<number, (version: number) => object> = {
      [ApiKey.FindCoordinator]: (v) => ({ key: v < 4 ? 'g' : '', keyType: 0, coordinatorKeys: v < 4 ? [] : ['g', 'h'] }),
      [ApiKey.JoinGroup]: (v) => ({ groupId: `join-${v}`, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: v === 0 ? -1 : 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }], reason: null }),
      [ApiKey.SyncGroup]: () => ({ groupId: 'g', generationId: 1, memberId: 'nobody', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
      [ApiKey.Heartbeat]: () => ({ groupId: 'g', generationId: 1, memberId: 'nobody', groupInstanceId: null }),
      [ApiKey.LeaveGroup]: (v) => ({ groupId: 'g', memberId: v < 3 ? 'nobody' : '', members: v < 3 ? [] : [{ memberId: 'nobody', groupInstanceId: null, reason: null }] }),
      [ApiKey.OffsetCommit]: () => ({ groupId: 'simple', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics }),
      [ApiKey.OffsetFetch]: (v) => ({ groupId: v < 8 ? 'simple' : '', topics: v < 8 ? [{ name: 'orders', partitionIndexes: [0] }] : [], requireStable: false, groups: v < 8 ? [] : [{ groupId: 'simple', memberId: null, memberEpoch: -1, topics: null }] }),
      [ApiKey.ListGroups]: () => ({ statesFilter: [], typesFilter: [] }),
      [ApiKey.DescribeGroups]: (v) => ({ groups: ['simple', 'g'], includeAuthorizedOperations: v >= 3 }),
      [ApiKey.DeleteGroups]: () => ({ groupsNames: ['unknown'] }),
      [ApiKey.OffsetDelete]: () => ({ groupId: 'simple', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] }),
      [ApiKey.TxnOffsetCommit]: () => ({ transactionalId: 'tx', groupId: 'transactional', producerId: 7n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics }),
    };
    for (const handler of node.handlers) {
      const build = requests[handler.apiKey];
      expect(build, handler.name).toBeDefined();
      for (let version = handler.minVersion; version <= handler.maxVersion; version++) {
        const request = build!(version);
        const answer = await node.call<object, object>(handler.apiKey, version, request);
        expect(answer, `${handler.name} v${version}`).toBeTypeOf('object');
        const failed = handler.errorResponse!(request, ErrorCode.NOT_COORDINATOR);
        const frame = encodeResponse(handler.apiKey, version, 1, failed).toBuffer();
        expect(JSON.stringify(decodeResponse(frame, handler.apiKey, version).body, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x)), `${handler.name} v${version}`).toContain(String(ErrorCode.NOT_COORDINATOR));
      }
    }
    // The simple group's commits went through, and OffsetDelete (last in the list) removed them.
    expect(node.handlers.at(-1)!.name).toBe('OffsetDelete');
    expect((await fetchOffsets(node, ['simple'])).groups[0]!.topics).toEqual([]);
    const records = log.records(coordinatorPartitionFor('simple', PARTITIONS)).filter((r) => r.type === 'OffsetCommit');
    expect(records.filter((r) => r.value !== null)).toHaveLength(10);
    expect(records.at(-1)!.value).toBeNull();
  });

  it('answers writes in order, each only after its own append and every earlier one are acknowledged', async () => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    log.held = [];
    const answered: bigint[] = [];
    const commits: Array<Promise<unknown>> = [];
    // One at a time, so that each is its own append.
    for (const offset of [1n, 2n, 3n]) {
      commits.push(commit(node, 'g1', memberId, generationId, offset).then((code) => (expect(code).toBe(ErrorCode.NONE), answered.push(offset))));
      await eventually(async () => log.held!.length, (n) => n === Number(offset));
    }
    // All three are in the log already (the coordinator did not wait for one to issue the next)...
    const offsets = () => log.records(coordinatorPartitionFor('g1', PARTITIONS)).flatMap((r) => (r.type === 'OffsetCommit' && r.value !== null ? [r.value.offset] : []));
    expect(offsets()).toEqual([1n, 2n, 3n]);
    // ...but the last acknowledgement alone answers nobody, and the first releases only the first.
    log.held[2]!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toEqual([]);
    log.held[0]!();
    await eventually(async () => answered.length, (n) => n === 1);
    expect(answered).toEqual([1n]);
    log.held[1]!();
    await Promise.all(commits);
    expect(answered).toEqual([1n, 2n, 3n]);
    log.held = null;
  });

  /** A node with this offsets.commit.timeout.ms, and the one member of g1, which committed 5. */
  async function committedFive(commitTimeoutMs: number) {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log, new FakeClusterMetadata(), loadBrokerConfig({ ...properties, 'offsets.commit.timeout.ms': String(commitTimeoutMs) }).config);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    expect(await commit(node, 'g1', memberId, generationId, 5n)).toBe(ErrorCode.NONE);
    return { log, node, memberId, generationId };
  }

  it('shows a commit to OffsetFetch only once its append is acknowledged, and waits offsets.commit.timeout.ms for it', async () => {
    const { log, node, memberId, generationId } = await committedFive(1234);
    log.held = [];
    const committing = commit(node, 'g1', memberId, generationId, 6n);
    await eventually(async () => log.held!.length, (n) => n === 1);
    // In the log but not acknowledged: it may still be lost, so it is not shown.
    const offset = async () => (await fetchOffsets(node, ['g1'])).groups[0]!.topics[0]!.partitions[0]!.committedOffset;
    expect(await offset()).toBe(5n);
    log.held[0]!();
    expect(await committing).toBe(ErrorCode.NONE);
    expect(await offset()).toBe(6n);
    log.held = null;
    expect(new Set(log.timeoutsMs)).toEqual(new Set([1234]));
  });

  it('reloads after a commit timed out up to everything appended before, once committed: the offset shown then never changes at the next load', async () => {
    const { log, node, memberId, generationId } = await committedFive(200);
    // The in-sync replicas lag: the append of 6 times out, its batch stays in the log above the high watermark.
    log.held = [];
    log.heldTimesOut = true;
    expect(await commit(node, 'g1', memberId, generationId, 6n)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // The reloading coordinator waits for the batch's fate, reading on, rather than load without it.
    const offset = async () => fetchOffsets(node, ['g1']).then((r) => (r.groups[0]!.errorCode === ErrorCode.NONE ? r.groups[0]!.topics[0]!.partitions[0]!.committedOffset : r.groups[0]!.errorCode));
    expect(await eventually(offset, (answer) => answer === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const readsBefore = log.reads;
    expect(await eventually(async () => log.reads, (reads) => reads >= readsBefore + 3)).toBeGreaterThanOrEqual(readsBefore + 3);
    expect(await offset()).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // The replicas catch up: the timed-out batch is committed after all.
    for (const release of log.held.splice(0)) release();
    log.held = null;
    expect(await eventually(offset, (answer) => answer !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe(6n);
    // What a later load (a failover) replays is what was shown.
    const metadata = new FakeClusterMetadata();
    await metadata.createTopics(node.metadata.created[0]!);
    const next = await startNode(log, metadata);
    const reloaded = await eventually(() => fetchOffsets(next, ['g1']), (r) => r.groups[0]!.errorCode === ErrorCode.NONE);
    expect(reloaded.groups[0]!.topics[0]!.partitions[0]!.committedOffset).toBe(6n);
  });

  it('writes the records of requests that arrive together as one batch', async () => {
    const log = new MemoryOffsetsLog();
    const node = await startNode(log);
    await findCoordinator(node, 'g1');
    const { memberId, generationId } = await joinAlone(node, 'g1');
    const partition = coordinatorPartitionFor('g1', PARTITIONS);
    const batchesBefore = log.batches.get(partition)!.length;
    const codes = await Promise.all([4n, 5n, 6n, 7n].map((offset) => commit(node, 'g1', memberId, generationId, offset)));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(log.batches.get(partition)!.length).toBe(batchesBefore + 1);
    const last = log.records(partition).slice(-4);
    expect(last.map((r) => (r.type === 'OffsetCommit' ? r.value?.offset : null))).toEqual([4n, 5n, 6n, 7n]);
  });

  it('stops the coordinator of a partition that moves to another node: a join waiting on it is told NOT_COORDINATOR', async () => {
    const node = await startNode(new MemoryOffsetsLog());
    await findCoordinator(node, 'g1');
    const { memberId } = await joinAlone(node, 'g1');
    // A second member's join waits for the first to rejoin (the rebalance)...
    const waiting = node.call<object, { errorCode: number }>(ApiKey.JoinGroup, 1, {
      groupId: 'g1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }], reason: null,
    });
    const heartbeat = await eventually(
      () => node.call<object, { errorCode: number }>(ApiKey.Heartbeat, 4, { groupId: 'g1', generationId: 1, memberId, groupInstanceId: null }),
      (r) => r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS,
    );
    expect(heartbeat.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // ...when node 2 takes over the partition.
    node.metadata.moveLeader(coordinatorPartitionFor('g1', PARTITIONS), 2);
    expect((await waiting).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const found = await node.call<object, { errorCode: number; nodeId: number }>(ApiKey.FindCoordinator, 3, { key: 'g1', keyType: 0, coordinatorKeys: [] });
    expect(found).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 2 });
    const after = await node.call<object, { errorCode: number }>(ApiKey.Heartbeat, 4, { groupId: 'g1', generationId: 1, memberId, groupInstanceId: null });
    expect(after.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS for a partition the image has just given this node, before its coordinator starts; NOT_COORDINATOR for one another node leads', async () => {
    const node = await startNode(new MemoryOffsetsLog(), new FakeClusterMetadata((p) => (p === 0 ? NODE_ID : 2)));
    const groupOn = (partition: number): string => {
      for (let i = 0; ; i++) if (coordinatorPartitionFor(`g-${i}`, PARTITIONS) === partition) return `g-${i}`;
    };
    // The image arrives now (listeners run at once); the coordinators start on later turns.
    void node.metadata.createTopics({ topics: [{ name: '__consumer_offsets', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 0, validateOnly: false });
    const [here, elsewhere, committed, listed] = await Promise.all([
      fetchOffsets(node, [groupOn(0)]),
      fetchOffsets(node, [groupOn(1)]),
      commit(node, groupOn(0), '', -1, 5n),
      node.call<object, { errorCode: number }>(ApiKey.ListGroups, 4, { statesFilter: [], typesFilter: [] }),
    ]);
    expect(here.groups[0]!.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(elsewhere.groups[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(committed).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(listed.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const loaded = await eventually(() => commit(node, groupOn(0), '', -1, 5n), (code) => code === ErrorCode.NONE);
    expect(loaded).toBe(ErrorCode.NONE);
  });
});
