import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin, configSourceNames, OffsetSpec } from '../../client/admin.js';
import { KafkaConsumer, type ConsumerRecord } from '../../client/kafka-consumer.js';
import type { KafkaClient } from '../../client/kafka-client.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DescribeLogDirsResponse } from '../../core/protocol/generated/messages/describe-log-dirs.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { RaftStatus } from '../../core/raft/raft-node.js';
import { acls, clientQuotas, producers, transactions } from './console-cluster-views.js';

/** What the console reads of its own node; everything else it asks the cluster, as the CLI does. */
export interface ConsoleNode {
  readonly nodeId: number;
  readonly image: () => MetadataImage;
  readonly quorum: () => RaftStatus;
  /** The directory of this node's replica of the partition, when it has one. */
  readonly partitionDir: (topic: string, partition: number) => string | undefined;
}

export interface MessageQuery {
  readonly topic: string;
  readonly partition: number;
  /** Start at this offset, or at the first record at or after `timestampMs`. */
  readonly offset?: bigint;
  readonly timestampMs?: bigint;
  readonly maxRecords: number;
  readonly maxBytes: number;
}

const SEGMENT_FILE = /^(\d{20})\.log$/;

/**
 * The console's views, as JSON-ready objects: the cluster through the Kafka
 * admin API (any node shows every topic and group), and this node's metadata
 * image and quorum state for what the admin API does not carry (broker epochs).
 */
export class ConsoleData {
  private readonly admin: Admin;

  constructor(
    private readonly client: KafkaClient,
    /** `host:port` of the node's broker listener, for the message browser's consumers. */
    private readonly bootstrap: string,
    private readonly node: ConsoleNode,
  ) {
    this.admin = new Admin(client);
  }

  async cluster() {
    const described = await this.admin.describeCluster();
    const image = this.node.image();
    const quorum = this.node.quorum();
    return {
      clusterId: described.clusterId,
      controllerId: described.controllerId,
      servedBy: this.node.nodeId,
      quorum: { leaderId: quorum.leaderId, epoch: quorum.epoch, highWatermark: quorum.highWatermark, appliedOffset: quorum.appliedOffset, lag: quorum.highWatermark - quorum.appliedOffset },
      brokers: [...image.brokers.values()]
        .map((broker) => ({
          nodeId: broker.brokerId,
          epoch: String(broker.brokerEpoch),
          rack: broker.rack,
          fenced: broker.fenced,
          endpoints: broker.endPoints.map((e) => `${e.name}://${e.host}:${e.port}`),
          alive: described.brokers.some((b) => b.nodeId === broker.brokerId),
        }))
        .sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  async topics() {
    const topics = await this.admin.describeTopics(null);
    const sizes = await this.partitionSizes();
    return topics
      .map((topic) => ({
        name: topic.name,
        internal: topic.isInternal,
        partitions: topic.partitions.length,
        replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
        underReplicated: topic.partitions.filter((p) => p.isr.length < p.replicas.length).length,
        offline: topic.partitions.filter((p) => p.leaderId < 0).length,
        sizeBytes: topic.partitions.reduce((sum, p) => sum + (sizes.get(`${topic.name}-${p.partition}`) ?? 0), 0),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Sum of the high watermarks of each topic's partitions (the console's records-in series). */
  async topicEndOffsets(): Promise<Record<string, number>> {
    const topics = await this.admin.describeTopics(null);
    const ends: Record<string, number> = {};
    await Promise.all(
      topics.map(async (topic) => {
        const listed = await this.admin.listOffsets(topic.name, OffsetSpec.latest).catch(() => []);
        ends[topic.name] = listed.reduce((sum, o) => sum + Number(o.offset), 0);
      }),
    );
    return ends;
  }

  async topic(name: string) {
    const [info] = await this.admin.describeTopics([name]);
    const [configs, earliest, latest, sizes] = await Promise.all([
      this.admin.describeConfigs('topic', name),
      this.admin.listOffsets(name, OffsetSpec.earliest),
      this.admin.listOffsets(name, OffsetSpec.latest),
      this.partitionSizes(),
    ]);
    return {
      name,
      topicId: info!.topicId,
      partitions: info!.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offline: p.leaderId < 0,
        logStartOffset: String(earliest.find((o) => o.partition === p.partition)?.offset ?? -1n),
        highWatermark: String(latest.find((o) => o.partition === p.partition)?.offset ?? -1n),
        sizeBytes: sizes.get(`${name}-${p.partition}`) ?? 0,
      })),
      configs: configs.map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, source: configSourceNames.get(c.source) ?? String(c.source), isDefault: c.isDefault })),
    };
  }

  async partition(topic: string, partition: number) {
    const [earliest, latest, stable, [info]] = await Promise.all([
      this.admin.listOffsets(topic, OffsetSpec.earliest, [partition]),
      this.admin.listOffsets(topic, OffsetSpec.latest, [partition]),
      this.admin.listOffsets(topic, OffsetSpec.latest, [partition], 1),
      this.admin.describeTopics([topic]),
    ]);
    const leader = info?.partitions.find((p) => p.partition === partition)?.leaderId ?? -1;
    const dir = this.node.partitionDir(topic, partition);
    return {
      topic,
      partition,
      logStartOffset: String(earliest[0]!.offset),
      highWatermark: String(latest[0]!.offset),
      lastStableOffset: String(stable[0]!.offset),
      // Segments are files on the replicas' disks: this node lists its own replica's.
      segments: dir === undefined ? null : await segmentsIn(dir),
      servedBy: this.node.nodeId,
      producers: leader < 0 ? [] : await producers(this.client, leader, topic, partition),
    };
  }

  /** Every transaction, asked of each coordinator. */
  async transactions() {
    const { brokers } = await this.admin.describeCluster();
    return transactions(this.client, brokers.map((b) => b.nodeId));
  }

  /** ACLs and client quotas. */
  async access() {
    const [aclView, quotaView] = await Promise.all([acls(this.client), clientQuotas(this.client)]);
    return { acls: aclView, quotas: quotaView };
  }

  async groups() {
    const groups = await this.admin.listGroups();
    return Promise.all(
      groups.map(async (group) => {
        const lag = await this.groupLag(group.groupId);
        return { groupId: group.groupId, state: group.groupState, protocolType: group.protocolType, totalLag: lag.reduce((sum, p) => sum + (p.lag ?? 0), 0) };
      }),
    );
  }

  async group(groupId: string) {
    const [description, partitions] = await Promise.all([this.admin.describeGroup(groupId), this.groupLag(groupId)]);
    return {
      groupId,
      state: description.groupState,
      protocolType: description.protocolType,
      assignor: description.protocol,
      members: description.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: m.assignment.map((tp) => `${tp.topic}-${tp.partition}`),
      })),
      partitions,
      totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
    };
  }

  /** Committed offset, high watermark and lag of each partition a group has committed, as kafka-consumer-groups --describe. */
  async groupLag(groupId: string): Promise<Array<{ topic: string; partition: number; committed: string; highWatermark: string; lag: number | null }>> {
    const committed = await this.admin.fetchOffsets(groupId);
    const topics = [...new Set(committed.map((c) => c.topic))];
    const ends = new Map<string, bigint>();
    await Promise.all(
      topics.map(async (topic) => {
        for (const listed of await this.admin.listOffsets(topic, OffsetSpec.latest).catch(() => [])) ends.set(`${topic}-${listed.partition}`, listed.offset);
      }),
    );
    return committed
      .map((c) => {
        const end = ends.get(`${c.topic}-${c.partition}`);
        const lag = end === undefined || c.offset < 0n ? null : Number(end > c.offset ? end - c.offset : 0n);
        return { topic: c.topic, partition: c.partition, committed: String(c.offset), highWatermark: end === undefined ? '-1' : String(end), lag };
      })
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** Records of one partition from an offset or a time, bounded in count and bytes. */
  async messages(query: MessageQuery) {
    let start = query.offset ?? 0n;
    if (query.timestampMs !== undefined) {
      const [found] = await this.admin.listOffsets(query.topic, query.timestampMs, [query.partition]);
      if (found === undefined || found.offset < 0n) return { records: [], nextOffset: null };
      start = found.offset;
    }
    const consumer = new KafkaConsumer({
      'bootstrap.servers': this.bootstrap,
      'client.id': 'freshet-console-browser',
      'enable.auto.commit': false,
      'auto.offset.reset': 'earliest',
      'fetch.max.wait.ms': 100,
      'max.partition.fetch.bytes': query.maxBytes,
      'fetch.max.bytes': query.maxBytes,
      'max.poll.records': query.maxRecords,
    });
    const records: Array<ConsumerRecord<Buffer | null, Buffer | null>> = [];
    try {
      const tp = { topic: query.topic, partition: query.partition };
      consumer.assign([tp]);
      consumer.seek(tp, start);
      let bytes = 0;
      // A poll can come back empty (nothing past `start` yet) or short (the bound cut the batch): a few polls at most.
      for (let round = 0; round < 3 && records.length < query.maxRecords && bytes < query.maxBytes; round++) {
        const polled = await consumer.poll(300);
        if (polled.length === 0) break;
        for (const record of polled) {
          if (records.length >= query.maxRecords || bytes >= query.maxBytes) break;
          records.push(record);
          bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        }
      }
    } finally {
      await consumer.close();
    }
    return {
      records: records.map((r) => ({
        offset: String(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key?.toString('base64') ?? null,
        value: r.value?.toString('base64') ?? null,
        headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString('base64') ?? null })),
      })),
      nextOffset: records.length === 0 ? null : String(records[records.length - 1]!.offset + 1n),
    };
  }

  // ---- writes, behind console.read.only=false ----

  createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>) {
    return this.admin.createTopics([{ name, numPartitions: partitions, replicationFactor, configs }]);
  }

  alterTopicConfig(topic: string, name: string, value: string | null) {
    return this.admin.incrementalAlterConfigs('topic', topic, [value === null ? { name, op: 'delete' } : { name, op: 'set', value }]);
  }

  /** Moves an inactive group's committed offsets of a topic to the earliest or latest offsets (kafka-consumer-groups --reset-offsets). */
  async resetGroupOffsets(groupId: string, topic: string, to: 'earliest' | 'latest') {
    const offsets = await this.admin.listOffsets(topic, to === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest);
    await this.admin.commitOffsets(groupId, offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })));
  }

  /** Bytes per partition over every broker's log dirs (the leader's replica counts). */
  private async partitionSizes(): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    const { brokers } = await this.admin.describeCluster();
    await Promise.all(
      brokers.map(async (broker) => {
        const connection = await this.client.connectionToNode(broker.nodeId).catch(() => null);
        const answer = await connection?.request<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, { topics: null }).catch(() => null);
        for (const dir of answer?.results ?? []) {
          for (const topic of dir.topics) {
            for (const p of topic.partitions) {
              const key = `${topic.name}-${p.partitionIndex}`;
              sizes.set(key, Math.max(sizes.get(key) ?? 0, Number(p.partitionSize)));
            }
          }
        }
      }),
    );
    return sizes;
  }
}

async function segmentsIn(dir: string): Promise<Array<{ baseOffset: string; sizeBytes: number }>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const segments = await Promise.all(
    names
      .map((name) => SEGMENT_FILE.exec(name))
      .filter((match) => match !== null)
      .map(async (match) => ({ baseOffset: String(BigInt(match[1]!)), sizeBytes: (await stat(join(dir, match[0])).catch(() => ({ size: 0 }))).size })),
  );
  return segments.sort((a, b) => (BigInt(a.baseOffset) < BigInt(b.baseOffset) ? -1 : 1));
}
