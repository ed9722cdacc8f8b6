import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../core/protocol/generated/messages/alter-partition.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../core/protocol/generated/messages/broker-heartbeat.js';
import type { BrokerRegistrationRequest, BrokerRegistrationResponse } from '../../core/protocol/generated/messages/broker-registration.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import { defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../core/protocol/generated/messages/elect-leaders.js';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/alter-partition-reassignments.js';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/list-partition-reassignments.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../core/protocol/generated/messages/create-acls.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../core/protocol/generated/messages/delete-acls.js';
import { createAcls, deleteAcls } from '../../core/raft/controller/acl-control.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../core/protocol/generated/messages/alter-client-quotas.js';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../core/protocol/generated/messages/alter-user-scram-credentials.js';
import { alterUserScramCredentials } from './scram-control.js';
import { alterPartition } from '../../core/raft/controller/alter-partition.js';
import { brokerHeartbeat, fenceStaleBrokersAndElect, registerBroker } from '../../core/raft/controller/cluster-control.js';
import { electLeadersRequest, rebalancePreferredLeaders } from '../../core/raft/controller/elect-leaders.js';
import { LeaderRecoveryState } from '../../core/raft/controller/partition-leader-election.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { alterPartitionReassignments, listPartitionReassignments } from '../../core/raft/controller/partition-reassignment.js';
import type { ControllerConfig, ControllerContext, ControllerResult, ControllerState } from '../../core/raft/controller/controller-state.js';
import { allocateProducerIds } from '../../core/raft/controller/producer-id-control.js';
import { createTopics, deleteTopics } from '../../core/raft/controller/topic-control.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { encodeMetadataRecord, type MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { RaftRole } from '../../core/raft/raft-node.js';
import type { Logger } from '../logger.js';
import { NotLeaderError, type RaftDriver } from '../raft/raft-driver.js';
import { randomKafkaUuid } from '../storage/kafka-uuid.js';
import { incrementalAlterConfigs } from '../../core/raft/controller/config-control.js';
import { kafkaConfigRules } from './config-rules.js';
import { alterClientQuotas } from './client-quota-control.js';
import type { MetadataFollower } from './metadata-follower.js';
import { createPartitions } from '../../core/raft/controller/partition-control.js';
import { topicConfigProblem } from './topic-config-definitions.js';

/** An unclean election is the one change that marks the new leader's log as recovering. */
function isUncleanElection(record: MetadataRecord): boolean {
  return record.type === MetadataRecordType.PartitionChangeRecord && record.value.leaderRecoveryState === LeaderRecoveryState.recovering;
}

/** Operations decided together and committed as one append. */
const MAX_BATCH_OPERATIONS = 256;

interface PendingOperation {
  readonly handler: (state: ControllerState, ctx: ControllerContext) => ControllerResult<unknown>;
  readonly notController: () => unknown;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** How long an operation waits for a new leader to replay the log before answering NOT_CONTROLLER. */
const CATCH_UP_TIMEOUT_MS = 5_000;
const CATCH_UP_POLL_MS = 5;

/** The operations a node's controller answers, as the controller-plane handlers and the local broker call them. */
export interface ControllerApi {
  createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse>;
  deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse>;
  createPartitions(request: CreatePartitionsRequest): Promise<CreatePartitionsResponse>;
  incrementalAlterConfigs(request: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse>;
  registerBroker(request: BrokerRegistrationRequest): Promise<BrokerRegistrationResponse>;
  brokerHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse>;
  allocateProducerIds(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse>;
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse>;
  electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse>;
  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse>;
  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse>;
  createAcls(request: CreateAclsRequest): Promise<CreateAclsResponse>;
  deleteAcls(request: DeleteAclsRequest): Promise<DeleteAclsResponse>;
  alterClientQuotas(request: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse>;
  alterUserScramCredentials(request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse>;
}

/**
 * The active controller, Kafka's QuorumController in coordinator shape: while this node leads the
 * quorum, operations are decided in arrival order against the committed image — handler → records
 * appended through Raft → response once they are committed and applied; operations that queue up
 * meanwhile are decided as one batch and committed by one append. Anywhere else they answer
 * NOT_CONTROLLER. Broker sessions are soft state, started afresh by each new leader (with a full
 * session of grace); brokers silent for `broker.session.timeout.ms` are fenced.
 */
export class QuorumController implements ControllerApi {
  private readonly queue: PendingOperation[] = [];
  private draining = false;
  private readonly lastHeartbeatMs = new Map<number, number>();
  /** Log end when this node became leader: its own epoch's first entry must be applied before it decides anything. */
  private leaderStartOffset = Number.MAX_SAFE_INTEGER;
  /** Out-of-sync replicas this node made leader (committed), for the unclean-elections metric. */
  uncleanLeaderElections = 0;
  private fencingGraceUntilMs = 0;
  private readonly fencingTimer: NodeJS.Timeout;
  private readonly rebalanceTimer: NodeJS.Timeout | null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly driver: RaftDriver,
    private readonly follower: MetadataFollower,
    private readonly config: ControllerConfig,
    private readonly log: Logger,
    /** What `storage format` left for a new cluster (--add-scram): appended by the first leader of an empty log. */
    private readonly bootstrapRecords: readonly MetadataRecord[] = [],
  ) {
    this.unsubscribe = driver.onRoleChange((status) => {
      if (status.role !== RaftRole.leader) {
        this.leaderStartOffset = Number.MAX_SAFE_INTEGER;
        return;
      }
      this.leaderStartOffset = status.logEndOffset;
      // Sessions are not inherited: a broker may re-register at once, and none is fenced for silence
      // before it had a whole session to find this controller.
      this.lastHeartbeatMs.clear();
      this.fencingGraceUntilMs = Date.now() + config.brokerSessionTimeoutMs;
      log.info(`Node ${status.nodeId} is the active controller in epoch ${status.epoch}`);
      if (this.bootstrapRecords.length > 0) {
        // Queued before any broker can reach this leader, so it is decided against the empty image.
        void this.run((state) => ({ records: state.image.toRecords().length === 0 ? [...this.bootstrapRecords] : [], response: undefined }), () => undefined);
      }
    });
    const checkMs = Math.max(100, Math.floor(config.brokerSessionTimeoutMs / 4));
    this.fencingTimer = setInterval(() => {
      if (this.isActive() && Date.now() >= this.fencingGraceUntilMs) void this.run((state, ctx) => ({ records: fenceStaleBrokersAndElect(state, ctx), response: undefined }), () => undefined);
    }, checkMs);
    this.rebalanceTimer = !config.autoLeaderRebalanceEnable
      ? null
      : setInterval(() => {
          if (this.isActive()) void this.run((state) => ({ records: rebalancePreferredLeaders(state, config.leaderImbalancePerBrokerPercentage), response: undefined }), () => undefined);
        }, config.leaderImbalanceCheckIntervalMs);
  }

  isActive(): boolean {
    return this.driver.status().role === RaftRole.leader;
  }

  stop(): void {
    clearInterval(this.fencingTimer);
    if (this.rebalanceTimer !== null) clearInterval(this.rebalanceTimer);
    this.unsubscribe();
  }

  createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    return this.run(
      (state, ctx) => {
        // Topic configs are checked here: the core handler takes them as given.
        const refused = new Map<string, string>();
        for (const topic of request.topics) {
          for (const config of topic.configs) {
            const problem = topicConfigProblem(config.name, config.value);
            if (problem !== undefined && !refused.has(topic.name)) refused.set(topic.name, problem);
          }
        }
        const result = createTopics(state, { ...request, topics: request.topics.filter((t) => !refused.has(t.name)) }, ctx);
        const created = new Map(result.response.topics.map((t) => [t.name, t]));
        const topics = request.topics.map((t) => {
          const problem = refused.get(t.name);
          if (problem !== undefined) return { ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
          return created.get(t.name)!;
        });
        return { records: result.records, response: { ...result.response, topics } };
      },
      () => ({ throttleTimeMs: 0, topics: request.topics.map((t) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode: ErrorCode.NOT_CONTROLLER })) }),
    );
  }

  deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    return this.run(
      (state) => deleteTopics(state, request),
      () => ({
        throttleTimeMs: 0,
        responses: [
          ...request.topicNames.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
          ...request.topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
        ],
      }),
    );
  }

  createPartitions(request: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    return this.run(
      (state) => createPartitions(state, request),
      () => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })) }),
    );
  }

  incrementalAlterConfigs(request: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
    return this.run(
      (state) => incrementalAlterConfigs(state, request, kafkaConfigRules),
      () => ({ throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) }),
    );
  }

  alterUserScramCredentials(request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse> {
    return this.run(
      (state) => alterUserScramCredentials(state, request),
      () => ({ throttleTimeMs: 0, results: [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))].map((user) => ({ user, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })) }),
    );
  }

  registerBroker(request: BrokerRegistrationRequest): Promise<BrokerRegistrationResponse> {
    return this.run((state, ctx) => registerBroker(state, request, ctx), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, brokerEpoch: -1n }));
  }

  brokerHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    return this.run(
      (state, ctx) => brokerHeartbeat(state, request, ctx),
      () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, isCaughtUp: false, isFenced: true, shouldShutDown: false }),
    );
  }

  allocateProducerIds(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.run((state) => allocateProducerIds(state, request), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, producerIdStart: -1n, producerIdLen: 0 }));
  }

  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse> {
    return this.run((state) => alterPartition(state, request), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] }));
  }

  electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    return this.run((state) => electLeadersRequest(state, request), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, replicaElectionResults: [] }));
  }

  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    return this.run((state) => alterPartitionReassignments(state, request), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, responses: [] }));
  }

  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse> {
    return this.run((state) => listPartitionReassignments(state, request), () => ({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] }));
  }

  createAcls(request: CreateAclsRequest): Promise<CreateAclsResponse> {
    return this.run((state, ctx) => createAcls(state, request, ctx), () => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })) }));
  }

  deleteAcls(request: DeleteAclsRequest): Promise<DeleteAclsResponse> {
    return this.run((state) => deleteAcls(state, request), () => ({ throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, matchingAcls: [] })) }));
  }

  alterClientQuotas(request: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse> {
    return this.run(
      (state) => alterClientQuotas(state, request),
      () => ({ throttleTimeMs: 0, entries: request.entries.map((e) => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, entity: e.entity })) }),
    );
  }

  /** Queues one operation; operations are decided in arrival order. */
  private run<R>(handler: (state: ControllerState, ctx: ControllerContext) => ControllerResult<R>, notController: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ handler, notController, resolve, reject } as PendingOperation);
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Decides queued operations in batches: each handler sees the committed image plus the records
   * of the operations before it in the batch (on a scratch copy), and the whole batch is appended
   * through Raft at once, so one commit (and one fsync per voter) answers all of them.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH_OPERATIONS);
        if (!(await this.caughtUp())) {
          for (const op of batch) op.resolve(op.notController());
          continue;
        }
        const committed = this.follower.image();
        let image = batch.length === 1 ? committed : MetadataImage.fromSnapshot(committed.toSnapshot());
        const logEndOffset = this.driver.status().logEndOffset;
        const accepted: MetadataRecord[] = [];
        const decided: { op: PendingOperation; response: unknown }[] = [];
        for (const op of batch) {
          try {
            const state: ControllerState = { config: this.config, image, lastHeartbeatMs: this.lastHeartbeatMs };
            const ctx: ControllerContext = { nowMs: Date.now(), nextOffset: logEndOffset + accepted.length, newTopicId: () => randomKafkaUuid() };
            const { records, response } = op.handler(state, ctx);
            // One loop, not push(...records): a spread of a million records overflows the stack.
            for (const record of records) {
              if (batch.length > 1) image.replay(record);
              accepted.push(record);
            }
            decided.push({ op, response });
          } catch (error) {
            this.log.error('A controller operation failed', error);
            op.reject(error as Error);
            // The scratch image may hold part of the failed operation: rebuild it from what was accepted.
            image = MetadataImage.fromSnapshot(committed.toSnapshot());
            for (const record of accepted) image.replay(record);
          }
        }
        try {
          if (accepted.length > 0) await this.driver.propose(accepted.map((record) => encodeMetadataRecord(record)));
          this.uncleanLeaderElections += accepted.filter(isUncleanElection).length;
          for (const { op, response } of decided) op.resolve(response);
        } catch (error) {
          if (!(error instanceof NotLeaderError)) this.log.error('Appending controller records failed', error);
          for (const { op } of decided) op.resolve(op.notController());
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** True once this node leads and has applied everything up to its own epoch's start. */
  private async caughtUp(): Promise<boolean> {
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    for (;;) {
      const status = this.driver.status();
      if (status.role !== RaftRole.leader) return false;
      if (status.appliedOffset > this.leaderStartOffset - 1 && status.appliedOffset >= status.highWatermark) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }
}
