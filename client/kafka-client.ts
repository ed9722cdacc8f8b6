import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import type { MetadataResponse } from '../core/protocol/generated/messages/metadata.js';
import { BrokerConnection, defaultConnectionOptions, type ConnectionOptions } from './broker-connection.js';
import { exponentialBackoffMs } from './backoff.js';
import { KafkaClientError, throwIfError } from './client-error.js';

export interface KafkaClientOptions {
  /** `host:port[,host:port…]`, as Kafka's `bootstrap.servers`. */
  bootstrapServers: string | readonly string[];
  clientId?: string;
  requestTimeoutMs?: number;
  /** Attempts for retriable errors (leader moving, topic being created) before giving up (Kafka's `retries`, bounded). */
  retries?: number;
  retryBackoffMs?: number;
  /** Kafka's `retry.backoff.max.ms`: the backoff doubles per attempt up to this. */
  retryBackoffMaxMs?: number;
  /** Kafka's `reconnect.backoff.ms` / `reconnect.backoff.max.ms`: the wait before connecting again to a broker that failed. */
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  /** Kafka's `socket.connection.setup.timeout.ms`. */
  connectionSetupTimeoutMs?: number;
  /** Kafka's `connections.max.idle.ms`: connections with nothing in flight for this long are closed. */
  connectionsMaxIdleMs?: number;
}

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BrokerNode extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  errorCode: number;
  /** Sorted by partition. */
  partitions: PartitionInfo[];
}

export interface ClusterInfo {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerNode[];
  topics: Map<string, TopicInfo>;
}

/** Splits `bootstrap.servers` into addresses; `[::1]:9092` keeps its IPv6 host. */
export function parseBootstrapServers(servers: string | readonly string[]): BrokerAddress[] {
  const list = typeof servers === 'string' ? servers.split(',') : servers;
  return list
    .map((server) => server.trim())
    .filter((server) => server.length > 0)
    .map((server) => {
      const colon = server.lastIndexOf(':');
      const port = Number(server.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new KafkaClientError(ErrorCode.INVALID_REQUEST, `bootstrap server "${server}" is not host:port`);
      }
      return { host: server.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
    });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cluster as a client sees it: bootstrap addresses, the latest metadata,
 * one pipelined connection per broker, group coordinators. Producer, Consumer
 * and Admin share one.
 */
export class KafkaClient {
  private readonly bootstrap: BrokerAddress[];
  private readonly connectionOptions: ConnectionOptions;
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private brokers = new Map<number, BrokerNode>();
  readonly retries: number;
  readonly retryBackoffMs: number;
  private readonly retryBackoffMaxMs: number;
  private readonly reconnectBackoffMs: number;
  private readonly reconnectBackoffMaxMs: number;
  /** Failed connection attempts in a row per address, and when the next may start. */
  private readonly reconnects = new Map<string, { failures: number; notBeforeMs: number }>();
  private readonly idleTimer: NodeJS.Timeout | null;

  constructor(options: KafkaClientOptions) {
    this.bootstrap = parseBootstrapServers(options.bootstrapServers);
    if (this.bootstrap.length === 0) throw new KafkaClientError(ErrorCode.INVALID_REQUEST, 'no bootstrap server given');
    this.connectionOptions = {
      clientId: options.clientId ?? defaultConnectionOptions.clientId,
      requestTimeoutMs: options.requestTimeoutMs ?? defaultConnectionOptions.requestTimeoutMs,
      ...(options.connectionSetupTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectionSetupTimeoutMs }),
    };
    this.retries = options.retries ?? 20;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    // Without a maximum the backoff stays fixed, as this client always did.
    this.retryBackoffMaxMs = options.retryBackoffMaxMs ?? this.retryBackoffMs;
    this.reconnectBackoffMs = options.reconnectBackoffMs ?? 0;
    this.reconnectBackoffMaxMs = options.reconnectBackoffMaxMs ?? this.reconnectBackoffMs;
    const idleMs = options.connectionsMaxIdleMs;
    this.idleTimer = idleMs === undefined ? null : setInterval(() => this.closeIdleConnections(idleMs), Math.min(idleMs, 10_000));
    this.idleTimer?.unref();
  }

  /** A connection to whichever known broker answers first: known brokers, then the bootstrap list. */
  async anyConnection(): Promise<BrokerConnection> {
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    let lastError: unknown;
    for (const address of candidates) {
      try {
        return await this.connectionTo(address);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, 'no broker reachable');
  }

  /** The connection to a broker known from metadata (fetched when the id is unknown). */
  async connectionToNode(nodeId: number): Promise<BrokerConnection> {
    let node = this.brokers.get(nodeId);
    if (node === undefined) {
      await this.metadata([]);
      node = this.brokers.get(nodeId);
    }
    if (node === undefined) throw new KafkaClientError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    return this.connectionTo(node);
  }

  /** Metadata for these topics (null: all topics; []: brokers only). */
  async metadata(topics: readonly string[] | null, allowAutoTopicCreation = false): Promise<ClusterInfo> {
    const connection = await this.anyConnection();
    const response = await connection.request<MetadataResponse>(ApiKey.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const brokers = response.brokers.map((broker) => ({ nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack }));
    this.brokers = new Map(brokers.map((broker) => [broker.nodeId, broker]));
    const topicInfos = new Map<string, TopicInfo>();
    for (const topic of response.topics) {
      const name = topic.name ?? '';
      topicInfos.set(name, {
        name,
        topicId: topic.topicId,
        isInternal: topic.isInternal,
        errorCode: topic.errorCode,
        partitions: topic.partitions
          .map((partition) => ({
            partition: partition.partitionIndex,
            errorCode: partition.errorCode,
            leaderId: partition.leaderId,
            leaderEpoch: partition.leaderEpoch,
            replicas: partition.replicaNodes,
            isr: partition.isrNodes,
            offlineReplicas: partition.offlineReplicas,
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    return { clusterId: response.clusterId, controllerId: response.controllerId, brokers, topics: topicInfos };
  }

  /**
   * One topic's metadata once it is usable: every partition has a leader.
   * Retriable errors (LEADER_NOT_AVAILABLE while a topic is created,
   * UNKNOWN_TOPIC_OR_PARTITION while metadata propagates) are retried.
   */
  async topicMetadata(topic: string, allowAutoTopicCreation = false): Promise<TopicInfo> {
    return this.withRetries(async () => {
      const info = (await this.metadata([topic], allowAutoTopicCreation)).topics.get(topic);
      if (info === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`);
      throwIfError(info.errorCode, `topic ${topic}`);
      for (const partition of info.partitions) {
        if (partition.leaderId < 0) throw new KafkaClientError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition.partition}`);
      }
      return info;
    });
  }

  /** A group's (keyType 0) or transactional id's (keyType 1) coordinator (FindCoordinator, batched keys from v4), retried while it is being elected or loaded. */
  findCoordinator(groupId: string, keyType: 0 | 1 = 0): Promise<BrokerNode> {
    return this.withRetries(async () => {
      const connection = await this.anyConnection();
      const version = connection.versionFor(ApiKey.FindCoordinator);
      const batched = version >= 4;
      const response = await connection.request<FindCoordinatorResponse>(
        ApiKey.FindCoordinator,
        { key: batched ? '' : groupId, keyType, coordinatorKeys: batched ? [groupId] : [] },
        version,
      );
      const answer = batched ? response.coordinators[0] : response;
      if (answer === undefined) throw new KafkaClientError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `group ${groupId}`);
      throwIfError(answer.errorCode, `coordinator of group ${groupId}`, answer.errorMessage);
      const node = { nodeId: answer.nodeId, host: answer.host, port: answer.port, rack: this.brokers.get(answer.nodeId)?.rack ?? null };
      this.brokers.set(node.nodeId, node);
      return node;
    });
  }

  /** The connection to a group's coordinator. */
  async coordinatorConnection(groupId: string, keyType: 0 | 1 = 0): Promise<BrokerConnection> {
    return this.connectionTo(await this.findCoordinator(groupId, keyType));
  }

  /** Runs `attempt` again after retriable Kafka errors, with a fixed backoff, up to `retries` times. */
  async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable || tries >= this.retries) throw error;
        await sleep(exponentialBackoffMs(this.retryBackoffMs, this.retryBackoffMaxMs, tries, Math.random()));
      }
    }
  }

  close(): void {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    for (const pending of this.connections.values()) void pending.then((connection) => connection.close(), () => undefined);
    this.connections.clear();
  }

  /**
   * The connection to a broker by address. A named `channel` gets a connection
   * of its own: a group member talks to its coordinator apart from its fetches,
   * as Java's consumer does, since a broker answers each connection in order and
   * a JoinGroup may wait minutes for the other members.
   */
  connectionTo(address: BrokerAddress, channel = ''): Promise<BrokerConnection> {
    const key = `${channel}${address.host}:${address.port}`;
    const existing = this.connections.get(key);
    if (existing !== undefined) {
      return existing.then((connection) => (connection.isOpen ? connection : this.reconnect(key, address)));
    }
    return this.reconnect(key, address);
  }

  /**
   * Connects, after `reconnect.backoff.ms` (doubling per failure in a row up
   * to `reconnect.backoff.max.ms`) when the last attempt to this address failed.
   */
  private reconnect(key: string, address: BrokerAddress): Promise<BrokerConnection> {
    const waitMs = Math.max(0, (this.reconnects.get(key)?.notBeforeMs ?? 0) - Date.now());
    const connecting = (waitMs > 0 ? sleep(waitMs) : Promise.resolve()).then(() => BrokerConnection.connect(address.host, address.port, this.connectionOptions));
    this.connections.set(key, connecting);
    connecting.then(
      () => this.reconnects.delete(key),
      () => {
        if (this.connections.get(key) === connecting) this.connections.delete(key);
        const failures = (this.reconnects.get(key)?.failures ?? 0) + 1;
        const backoffMs = exponentialBackoffMs(this.reconnectBackoffMs, this.reconnectBackoffMaxMs, failures - 1, Math.random());
        this.reconnects.set(key, { failures, notBeforeMs: Date.now() + backoffMs });
      },
    );
    return connecting;
  }

  private closeIdleConnections(idleMs: number): void {
    const now = Date.now();
    for (const [key, pending] of this.connections) {
      void pending.then(
        (connection) => {
          if (connection.inFlightCount === 0 && now - connection.lastUsedMs >= idleMs && this.connections.get(key) === pending) {
            this.connections.delete(key);
            connection.close();
          }
        },
        () => undefined,
      );
    }
  }
}
