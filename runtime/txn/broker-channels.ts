/**
 * Requests from this broker to another broker's inter-broker listener, as
 * Kafka's transaction code sends them (NodeToNodeChannel): the coordinator's
 * WriteTxnMarkers to partition leaders elsewhere, and a partition leader's
 * verify-only AddPartitionsToTxn to a coordinator elsewhere. One pipelined
 * connection per broker, reopened when the broker's address changes.
 */
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { PeerConnection } from '../raft/peer-connection.js';

/** Kafka's request.timeout.ms default for broker-to-broker requests. */
const REQUEST_TIMEOUT_MS = 30_000;
const RECONNECT_BACKOFF_MS = 50;
const RECONNECT_BACKOFF_MAX_MS = 1_000;

export class BrokerChannels {
  private readonly connections = new Map<number, { address: string; connection: PeerConnection }>();
  private closed = false;

  constructor(
    private readonly options: {
      readonly nodeId: number;
      readonly metadata: ClusterMetadata;
      /** inter.broker.listener.name; null picks the broker's first listener. */
      readonly listenerName: string | null;
    },
  ) {}

  get nodeId(): number {
    return this.options.nodeId;
  }

  /** The leader of a partition in the current image, or null when it has none (or the partition is unknown). */
  leaderOf(topic: string, partition: number): number | null {
    const image = this.options.metadata.image();
    const topicId = image.topicIdsByName.get(topic);
    const leader = topicId === undefined ? undefined : image.topics.get(topicId)?.partitions.get(partition)?.leader;
    return leader === undefined || leader < 0 ? null : leader;
  }

  /** Sends one request to `brokerId`; rejects when its listener is unknown, the connection fails or no answer comes in time. */
  async request<Response>(brokerId: number, apiKey: number, apiVersion: number, body: unknown): Promise<Response> {
    if (this.closed) throw new Error('broker channels closed');
    const address = this.address(brokerId);
    if (address === null) throw new Error(`broker ${brokerId} has no known ${this.options.listenerName ?? ''} listener`);
    let entry = this.connections.get(brokerId);
    if (entry?.address !== address) {
      entry?.connection.close();
      const colon = address.lastIndexOf(':');
      const connection = new PeerConnection({
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        reconnectBackoffMs: RECONNECT_BACKOFF_MS,
        reconnectBackoffMaxMs: RECONNECT_BACKOFF_MAX_MS,
      });
      this.connections.set(brokerId, (entry = { address, connection }));
    }
    return (await entry.connection.request(apiKey, apiVersion, `freshet-broker-${this.options.nodeId}`, body)) as Response;
  }

  close(): void {
    this.closed = true;
    for (const { connection } of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private address(brokerId: number): string | null {
    const endPoints = this.options.metadata.image().brokers.get(brokerId)?.endPoints ?? [];
    const name = this.options.listenerName;
    const endpoint = endPoints.find((e) => e.name.toUpperCase() === name) ?? endPoints[0];
    return endpoint === undefined ? null : `${endpoint.host === '' ? '127.0.0.1' : endpoint.host}:${endpoint.port}`;
  }
}
