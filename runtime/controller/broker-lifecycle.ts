import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { BrokerHeartbeatResponse } from '../../core/protocol/generated/messages/broker-heartbeat.js';
import type { BrokerConfig, Endpoint } from '../config/broker-config.js';
import type { Logger } from '../logger.js';
import { randomKafkaUuid } from '../storage/kafka-uuid.js';
import type { ControllerChannel } from './controller-channel.js';
import type { MetadataFollower } from './metadata-follower.js';

/** SecurityProtocol ids as Kafka numbers them. */
const securityProtocolIds: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };
/** metadata.version levels this node supports (3.3-IV3 … 3.9-IV0 as Kafka numbers them). */
const METADATA_VERSION_RANGE = { minSupportedVersion: 7, maxSupportedVersion: 21 };
/** Between controlled-shutdown attempts while no controller answers (an election in progress). */
const CONTROLLED_SHUTDOWN_RETRY_MS = 100;

/**
 * The broker's side of KRaft membership (Kafka's BrokerLifecycleManager): register with the
 * active controller, then heartbeat every `broker.heartbeat.interval.ms` with the offset this
 * node has applied, so the controller unfences it once it has caught up; register again when the
 * controller no longer knows this incarnation.
 */
export class BrokerLifecycle {
  private readonly incarnationId = randomKafkaUuid();
  private brokerEpoch = -1n;
  private fenced = true;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly unfencedWaiters = new Set<() => void>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly clusterId: string,
    private readonly channel: ControllerChannel,
    private readonly follower: MetadataFollower,
    private readonly log: Logger,
  ) {}

  get isFenced(): boolean {
    return this.fenced;
  }

  /** The epoch of the current registration, -1 until registered. */
  get epoch(): bigint {
    return this.brokerEpoch;
  }

  start(listeners: readonly Endpoint[]): void {
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        if (this.brokerEpoch < 0n) await this.register(listeners);
        else await this.heartbeat();
      } catch (error) {
        this.log.warn(`Broker ${this.config.nodeId}: ${(error as Error).message}`);
      }
      if (this.stopped) return;
      // Heartbeat sooner while fenced, so a restarted broker rejoins quickly.
      const delayMs = this.fenced ? Math.min(100, this.config.values['broker.heartbeat.interval.ms']) : this.config.values['broker.heartbeat.interval.ms'];
      this.timer = setTimeout(() => void loop(), delayMs);
    };
    void loop();
  }

  /** Resolves once the controller has unfenced this broker, or after timeoutMs (then false). */
  waitUntilUnfenced(timeoutMs: number): Promise<boolean> {
    if (!this.fenced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.unfencedWaiters.delete(done);
        resolve(!this.fenced);
      };
      const timer = setTimeout(done, timeoutMs);
      this.unfencedWaiters.add(done);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  /**
   * Kafka's controlled shutdown: heartbeats stop, then BrokerHeartbeat with wantShutDown until the
   * controller answers shouldShutDown (it has fenced this broker and moved its leaderships away in
   * the same commit). False when no controller agreed within timeoutMs: the broker stops anyway.
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    this.stop();
    if (this.brokerEpoch < 0n) return false;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await this.channel.brokerHeartbeat({
          brokerId: this.config.nodeId,
          brokerEpoch: this.brokerEpoch,
          currentMetadataOffset: BigInt(this.follower.appliedOffset - 1),
          wantFence: false,
          wantShutDown: true,
          offlineLogDirs: [],
        });
        if (response.errorCode === ErrorCode.NONE && response.shouldShutDown) {
          this.log.info(`Broker ${this.config.nodeId}: controlled shutdown accepted by the controller`);
          return true;
        }
      } catch (error) {
        this.log.warn(`Broker ${this.config.nodeId}: controlled shutdown: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, CONTROLLED_SHUTDOWN_RETRY_MS));
    }
    this.log.warn(`Broker ${this.config.nodeId}: no controller accepted the controlled shutdown within ${timeoutMs} ms`);
    return false;
  }

  private async register(listeners: readonly Endpoint[]): Promise<void> {
    const response = await this.channel.registerBroker({
      brokerId: this.config.nodeId,
      clusterId: this.clusterId,
      incarnationId: this.incarnationId,
      listeners: listeners.map((l) => ({ name: l.listenerName, host: l.host, port: l.port, securityProtocol: securityProtocolIds[l.securityProtocol] ?? 0 })),
      features: [{ name: 'metadata.version', ...METADATA_VERSION_RANGE }],
      rack: this.config.values['broker.rack'],
      isMigratingZkBroker: false,
      logDirs: [],
      previousBrokerEpoch: -1n,
    });
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`registration refused with error ${response.errorCode}`);
    this.brokerEpoch = response.brokerEpoch;
    this.log.info(`Broker ${this.config.nodeId} registered with broker epoch ${this.brokerEpoch}`);
  }

  private async heartbeat(): Promise<void> {
    const response: BrokerHeartbeatResponse = await this.channel.brokerHeartbeat({
      brokerId: this.config.nodeId,
      brokerEpoch: this.brokerEpoch,
      currentMetadataOffset: BigInt(this.follower.appliedOffset - 1),
      wantFence: false,
      wantShutDown: false,
      offlineLogDirs: [],
    });
    if (response.errorCode === ErrorCode.STALE_BROKER_EPOCH || response.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED) {
      this.brokerEpoch = -1n;
      this.setFenced(true);
      return;
    }
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`heartbeat answered with error ${response.errorCode}`);
    this.setFenced(response.isFenced);
  }

  private setFenced(fenced: boolean): void {
    if (fenced === this.fenced) return;
    this.fenced = fenced;
    this.log.info(`Broker ${this.config.nodeId} is ${fenced ? 'fenced' : 'unfenced'}`);
    if (!fenced) for (const waiter of [...this.unfencedWaiters]) waiter();
  }
}
