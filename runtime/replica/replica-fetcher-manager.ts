import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { PeerConnection } from '../raft/peer-connection.js';
import type { ReplyTo } from './partition-messages.js';
import type { LocalPartition } from './replica-manager.js';
import { ReplicaFetcher, type FetcherPartition, type ReplicaFetcherConfig, type ReplicaFetcherIo } from './replica-fetcher.js';
import { ReplicaFetcherMetrics } from './replica-fetcher-metrics.js';
import type { FollowerReply, FollowerRequest, ReplicationRequest } from './replication-messages.js';
import { nodeScheduler, type Scheduler } from './scheduler.js';

/** A partition this broker follows and the broker it fetches from. */
export interface FollowedPartition extends FetcherPartition {
  readonly leaderId: number;
}

/** What the fetchers need of the replica manager: the follower partitions' actors. */
export interface FollowerPartitions {
  readonly nodeId: number;
  localReplica(topic: string, partition: number): LocalPartition | undefined;
  askReplica<R extends ReplicationRequest>(local: LocalPartition, request: R, payload?: Buffer): Promise<{ body: ReplyTo<R> } | null>;
}

const FETCH_VERSION = 15;
const CLIENT_ID = 'freshet-replica-fetcher';
/** Kafka's replica.socket.timeout.ms default: how long a fetch may go unanswered beyond its wait. */
const SOCKET_TIMEOUT_MS = 30_000;

interface RunningFetcher {
  readonly fetcher: ReplicaFetcher;
  readonly connection: PeerConnection;
  readonly address: string;
}

/**
 * Kafka's ReplicaFetcherManager: `num.replica.fetchers` fetchers per source
 * broker, a partition going to fetcher `hash(topic, partition) %
 * num.replica.fetchers` of its leader, each with one connection to the
 * leader's inter-broker listener. Reassigns partitions as the metadata
 * image moves leaders; a fetcher left without partitions stops.
 */
export class ReplicaFetcherManager {
  private readonly fetchers = new Map<string, RunningFetcher>();
  private readonly fetcherConfig: ReplicaFetcherConfig;
  private readonly metrics: ReplicaFetcherMetrics;

  constructor(
    private readonly replicas: FollowerPartitions,
    private readonly options: { readonly config: BrokerConfig; readonly metadata: ClusterMetadata; readonly log: Logger; readonly metrics: BrokerMetrics },
    private readonly scheduler: Scheduler = nodeScheduler,
  ) {
    const fetchers = this.fetchers;
    this.metrics = new ReplicaFetcherMetrics(options.metrics, function* () {
      for (const running of fetchers.values()) yield* running.fetcher.lags();
    });
    const v = options.config.values;
    this.fetcherConfig = {
      replicaId: replicas.nodeId,
      brokerEpoch: () => options.metadata.brokerEpoch?.() ?? -1n,
      partitionMaxBytes: v['replica.fetch.max.bytes'],
      responseMaxBytes: v['replica.fetch.response.max.bytes'],
      minBytes: v['replica.fetch.min.bytes'],
      maxWaitMs: v['replica.fetch.wait.max.ms'],
      backoffMs: v['replica.fetch.backoff.ms'],
    };
  }

  /** The partitions this broker follows now (from each metadata image). */
  update(followed: readonly FollowedPartition[]): void {
    const fetcherCount = this.options.config.values['num.replica.fetchers'];
    const image = this.options.metadata.image();
    const assigned = new Map<string, { leaderId: number; address: string; partitions: FetcherPartition[] }>();
    for (const p of followed) {
      const address = this.leaderAddress(image.brokers.get(p.leaderId)?.endPoints ?? []);
      // A leader without a known listener is waited for: the next image names it.
      if (address === null) continue;
      const key = `${p.leaderId}-${fetcherIndex(p.topic, p.partition, fetcherCount)}`;
      let entry = assigned.get(key);
      if (entry === undefined) assigned.set(key, (entry = { leaderId: p.leaderId, address, partitions: [] }));
      entry.partitions.push({ topic: p.topic, topicId: p.topicId, partition: p.partition, leaderEpoch: p.leaderEpoch });
    }
    for (const [key, running] of [...this.fetchers]) {
      const next = assigned.get(key);
      if (next !== undefined && next.address === running.address) continue;
      this.fetchers.delete(key);
      void this.close(running);
    }
    for (const [key, { leaderId, address, partitions }] of assigned) {
      let running = this.fetchers.get(key);
      if (running === undefined) {
        running = this.start(leaderId, address);
        this.fetchers.set(key, running);
      }
      running.fetcher.assign(partitions);
    }
  }

  async stop(): Promise<void> {
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(all.map((running) => this.close(running)));
  }

  private async close(running: RunningFetcher): Promise<void> {
    // The connection goes first so that a fetch waiting on the leader fails at once.
    running.connection.close();
    await running.fetcher.stop();
  }

  private leaderAddress(endPoints: readonly { name: string; host: string; port: number }[]): string | null {
    const name = this.options.config.interBrokerListenerName;
    const endpoint = endPoints.find((e) => e.name.toUpperCase() === name) ?? endPoints[0];
    return endpoint === undefined ? null : `${endpoint.host === '' ? '127.0.0.1' : endpoint.host}:${endpoint.port}`;
  }

  private start(leaderId: number, address: string): RunningFetcher {
    const colon = address.lastIndexOf(':');
    const backoffMs = this.fetcherConfig.backoffMs;
    const connection = new PeerConnection({
      host: address.slice(0, colon),
      port: Number(address.slice(colon + 1)),
      requestTimeoutMs: this.fetcherConfig.maxWaitMs + SOCKET_TIMEOUT_MS,
      reconnectBackoffMs: backoffMs,
      reconnectBackoffMaxMs: backoffMs,
    });
    const follower = (request: FollowerRequest, payload?: Buffer) => (p: FetcherPartition): Promise<FollowerReply | null> => {
      const local = this.replicas.localReplica(p.topic, p.partition);
      if (local === undefined || local.topicId !== p.topicId) return Promise.resolve(null);
      return this.replicas.askReplica(local, request, payload).then((answer) => answer?.body ?? null);
    };
    const io: ReplicaFetcherIo = {
      fetch: (request) => this.metrics.observe(leaderId, connection.request(ApiKey.Fetch, FETCH_VERSION, CLIENT_ID, request) as Promise<FetchResponse>),
      position: (p) => follower({ op: 'fetchPosition' })(p),
      append: (p, records, leaderHighWatermark) => follower({ op: 'followerAppend', leaderHighWatermark: Number(leaderHighWatermark) }, records ?? undefined)(p),
      truncateToEpoch: (p, epoch, endOffset) => follower({ op: 'truncateToEpoch', epoch, endOffset: Number(endOffset) })(p),
      truncateFullyAndStartAt: (p, offset) => follower({ op: 'truncateFullyAndStartAt', offset: Number(offset) })(p),
    };
    this.options.log.info(`Replica fetcher for broker ${leaderId} at ${address} started`);
    return { fetcher: new ReplicaFetcher(leaderId, this.fetcherConfig, io, this.scheduler), connection, address };
  }
}

/** Kafka's AbstractFetcherManager.getFetcherId: abs(31 * topic.hashCode + partition) % num.replica.fetchers. */
export function fetcherIndex(topic: string, partition: number, fetcherCount: number): number {
  let hash = 0;
  for (let i = 0; i < topic.length; i++) hash = (Math.imul(hash, 31) + topic.charCodeAt(i)) | 0;
  const mixed = (Math.imul(31, hash) + partition) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  return (mixed === -2147483648 ? 0 : Math.abs(mixed)) % fetcherCount;
}
