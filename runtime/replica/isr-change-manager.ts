import type { IsrChangeOutcome, IsrProposal } from '../../core/partition/replica-tracker.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AlterPartitionRequest } from '../../core/protocol/generated/messages/alter-partition.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { Logger } from '../logger.js';
import type { ReplyTo } from './partition-messages.js';
import type { LocalPartition } from './replica-manager.js';
import type { ReplicationRequest } from './replication-messages.js';
import { nodeScheduler, type Scheduler } from './scheduler.js';

/** How long an unanswered AlterPartition waits before it is sent again. */
const RETRY_BACKOFF_MS = 500;

/** What the ISR manager needs of the replica manager. */
export interface LedPartitions {
  readonly nodeId: number;
  localPartitions(): readonly LocalPartition[];
  askReplica<R extends ReplicationRequest>(local: LocalPartition, request: R): Promise<{ body: ReplyTo<R> } | null>;
}

/**
 * The leader side of ISR changes (Kafka's AlterPartitionManager and its
 * isr-expiration task): every replica.lag.time.max.ms / 2 each partition this
 * broker leads is asked whether a follower fell out of sync; expansions come
 * from follower fetches. Each proposal goes to the active controller as
 * AlterPartition, one in flight per partition, and its answer goes back to
 * the partition (a new partition epoch, or back to the committed ISR); an
 * unanswered one is sent again after a back-off.
 */
export class IsrChangeManager {
  private readonly inFlight = new Set<string>();
  private cancelCheck: () => void;
  private stopped = false;
  private readonly replicaLagTimeMaxMs: number;

  constructor(
    private readonly partitions: LedPartitions,
    private readonly options: { readonly config: BrokerConfig; readonly metadata: ClusterMetadata; readonly log: Logger },
    private readonly scheduler: Scheduler = nodeScheduler,
  ) {
    this.replicaLagTimeMaxMs = options.config.values['replica.lag.time.max.ms'];
    this.cancelCheck = this.scheduleCheck();
  }

  stop(): void {
    this.stopped = true;
    this.cancelCheck();
  }

  private scheduleCheck(): () => void {
    return this.scheduler.after(Math.max(1, Math.floor(this.replicaLagTimeMaxMs / 2)), () => {
      void this.checkAll().finally(() => {
        if (!this.stopped) this.cancelCheck = this.scheduleCheck();
      });
    });
  }

  private async checkAll(): Promise<void> {
    const led = this.partitions.localPartitions().filter((p) => p.leaderId === this.partitions.nodeId && p.replicas.length > 1);
    await Promise.all(
      led.map(async (local) => {
        try {
          const answer = await this.partitions.askReplica(local, { op: 'maybeShrinkIsr', replicaLagTimeMaxMs: this.replicaLagTimeMaxMs });
          if (answer?.body.proposal != null) this.propose(local, answer.body.proposal);
        } catch (error) {
          this.options.log.warn(`ISR check of ${local.topic}-${local.partition} failed: ${String(error)}`);
        }
      }),
    );
  }

  /** Sends a partition's proposal unless one of its changes is already in flight. */
  propose(local: LocalPartition, proposal: IsrProposal): void {
    const key = `${local.topic}-${local.partition}`;
    if (this.stopped || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    void this.send(local, proposal).finally(() => this.inFlight.delete(key));
  }

  private async send(local: LocalPartition, proposal: IsrProposal): Promise<void> {
    const { metadata, log } = this.options;
    const outcome = await this.alterPartition(local, proposal);
    if (outcome.kind === 'refused') log.warn(`AlterPartition of ${local.topic}-${local.partition} to ISR [${proposal.newIsr.join(',')}] refused: error ${outcome.errorCode}`);
    if (outcome.kind === 'accepted') log.info(`ISR of ${local.topic}-${local.partition} is now [${outcome.isr.join(',')}] (partition epoch ${outcome.partitionEpoch})`);
    await this.partitions.askReplica(local, { op: 'isrChangeOutcome', outcome }).catch(() => null);
    if (outcome.kind !== 'unanswered' || this.stopped) return;
    this.scheduler.after(RETRY_BACKOFF_MS, () => {
      // Still this broker's to change? A new leader or image decides otherwise.
      if (local.leaderId === this.partitions.nodeId && metadata.alterPartition !== undefined) this.propose(local, proposal);
    });
  }

  private async alterPartition(local: LocalPartition, proposal: IsrProposal): Promise<IsrChangeOutcome> {
    const { metadata } = this.options;
    if (metadata.alterPartition === undefined) return { kind: 'refused', errorCode: ErrorCode.UNSUPPORTED_VERSION };
    const image = metadata.image();
    const request: AlterPartitionRequest = {
      brokerId: this.partitions.nodeId,
      brokerEpoch: metadata.brokerEpoch?.() ?? -1n,
      topics: [
        {
          topicName: local.topic,
          topicId: local.topicId,
          partitions: [
            {
              partitionIndex: local.partition,
              leaderEpoch: proposal.leaderEpoch,
              // AlterPartition v3 (what the controller channel sends) names the ISR only with broker epochs (KIP-903),
              // so a replica that restarted since it fetched is refused.
              newIsr: [],
              newIsrWithEpochs: proposal.newIsr.map((brokerId) => ({ brokerId, brokerEpoch: image.brokers.get(brokerId)?.brokerEpoch ?? -1n })),
              leaderRecoveryState: 0,
              partitionEpoch: proposal.partitionEpoch,
            },
          ],
        },
      ],
    };
    try {
      const response = await metadata.alterPartition(request);
      const answer = response.topics[0]?.partitions[0];
      if (response.errorCode !== ErrorCode.NONE || answer === undefined) {
        this.options.log.warn(`AlterPartition of ${local.topic}-${local.partition} answered error ${response.errorCode}`);
        return response.errorCode === ErrorCode.STALE_BROKER_EPOCH ? { kind: 'refused', errorCode: response.errorCode } : { kind: 'unanswered' };
      }
      if (answer.errorCode !== ErrorCode.NONE) return { kind: 'refused', errorCode: answer.errorCode };
      return { kind: 'accepted', leaderEpoch: answer.leaderEpoch, partitionEpoch: answer.partitionEpoch, isr: answer.isr };
    } catch (error) {
      this.options.log.warn(`AlterPartition of ${local.topic}-${local.partition} got no answer (sent again): ${String(error)}`);
      return { kind: 'unanswered' };
    }
  }
}
