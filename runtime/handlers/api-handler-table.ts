import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { QuorumVoter } from '../../core/raft/quorum-voters.js';
import type { BrokerConfig, Endpoint } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { ControllerChannel } from '../controller/controller-channel.js';
import type { ClusterMetadataService } from '../controller/cluster-metadata-service.js';
import type { QuorumController } from '../controller/quorum-controller.js';
import type { CoordinatorTopic } from '../coordinator/coordinator-topic.js';
import type { GroupCoordinatorService } from '../group/group-coordinator-service.js';
import type { Logger } from '../logger.js';
import type { ProducerIdManager } from '../producer/producer-id-manager.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { AutoTopicCreator } from '../replica/auto-topic-creator.js';
import type { FetchManager } from '../replica/fetch-manager.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { TransactionCoordinatorService } from '../txn/transaction-coordinator-service.js';
import type { TransactionVerifier } from '../txn/transaction-verifier.js';
import { createAddOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { createAddPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { createAllocateProducerIdsHandler } from './allocate-producer-ids.js';
import { createAlterClientQuotasHandler } from './alter-client-quotas.js';
import { createAlterConfigsHandler } from './alter-configs.js';
import { createAlterPartitionHandler } from './alter-partition.js';
import { createAlterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { createBeginQuorumEpochHandler } from './begin-quorum-epoch.js';
import { createBrokerHeartbeatHandler } from './broker-heartbeat.js';
import { createBrokerRegistrationHandler } from './broker-registration.js';
import { createControllerFetchHandler } from './controller-fetch.js';
import { createCreateAclsHandler } from './create-acls.js';
import { createCreatePartitionsHandler } from './create-partitions.js';
import { createCreateTopicsHandler } from './create-topics.js';
import { createDeleteAclsHandler } from './delete-acls.js';
import { createDeleteGroupsHandler } from './delete-groups.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDeleteTopicsHandler } from './delete-topics.js';
import { createDescribeAclsHandler } from './describe-acls.js';
import { createDescribeClientQuotasHandler } from './describe-client-quotas.js';
import { createDescribeClusterHandler, EndpointType } from './describe-cluster.js';
import { createDescribeConfigsHandler } from './describe-configs.js';
import { createDescribeGroupsHandler } from './describe-groups.js';
import { createDescribeLogDirsHandler } from './describe-log-dirs.js';
import { createDescribeProducersHandler } from './describe-producers.js';
import { createDescribeQuorumHandler } from './describe-quorum.js';
import { createDescribeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { createDescribeTransactionsHandler } from './describe-transactions.js';
import { createDescribeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { createElectLeadersHandler } from './elect-leaders.js';
import { createEndQuorumEpochHandler } from './end-quorum-epoch.js';
import { createEndTxnHandler } from './end-txn.js';
import { createFetchSnapshotHandler } from './fetch-snapshot.js';
import { createFetchHandler } from './fetch.js';
import { createFindCoordinatorHandler } from './find-coordinator.js';
import { createHeartbeatHandler } from './heartbeat.js';
import { createIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { createInitProducerIdHandler } from './init-producer-id.js';
import { createJoinGroupHandler } from './join-group.js';
import { createLeaveGroupHandler } from './leave-group.js';
import { createListGroupsHandler } from './list-groups.js';
import { createListOffsetsHandler } from './list-offsets.js';
import { createListTransactionsHandler } from './list-transactions.js';
import { createMetadataHandler } from './metadata.js';
import { createOffsetCommitHandler } from './offset-commit.js';
import { createOffsetDeleteHandler } from './offset-delete.js';
import { createOffsetFetchHandler } from './offset-fetch.js';
import { createOffsetsForLeaderEpochHandler } from './offsets-for-leader-epoch.js';
import { createAlterPartitionReassignmentsHandler, createListPartitionReassignmentsHandler } from './partition-reassignments.js';
import type { ProduceRecompression } from './produce-recompression.js';
import { createProduceHandler } from './produce.js';
import type { ApiHandler } from './registry.js';
import { createSyncGroupHandler } from './sync-group.js';
import { createTxnOffsetCommitHandler } from './txn-offset-commit.js';
import { createVoteHandler } from './vote.js';
import { createWriteTxnMarkersHandler } from './write-txn-markers.js';

/*
 * The one table of the APIs a node answers, per plane. Adding an API is one
 * line in its plane's list; ApiVersions is added by the registry. An apiKey
 * listed twice fails the node's start (HandlerRegistry.register), so no list
 * silently wins over another.
 */

/** What the group APIs are answered from. */
export interface GroupApis {
  readonly groups: GroupCoordinatorService;
  readonly metadata: ClusterMetadata;
  /** This node's advertised listeners (bound ports), for FindCoordinator before the image lists the node. */
  readonly advertisedListeners: () => readonly Endpoint[];
  /** __transaction_state, for FindCoordinator's transaction keys. */
  readonly transactionTopic: CoordinatorTopic | null;
}

/** What a broker listener's APIs are answered from. */
export interface BrokerApis extends GroupApis {
  readonly metadata: ClusterMetadataService;
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly log: Logger;
  readonly raft: RaftDriver;
  readonly voters: readonly QuorumVoter[];
  readonly channel: ControllerChannel;
  readonly replicas: ReplicaManager;
  readonly fetches: FetchManager;
  readonly autoCreate: AutoTopicCreator;
  readonly producerIds: ProducerIdManager;
  readonly transactions: TransactionCoordinatorService;
  readonly verifier: TransactionVerifier;
  readonly recompression: ProduceRecompression;
}

/** What a controller listener's APIs are answered from. */
export interface ControllerApis {
  /** The controller's own image, for DescribeAcls. */
  readonly image: Pick<ClusterMetadata, 'image'>;
  readonly clusterId: string;
  readonly raft: RaftDriver;
  readonly voters: readonly QuorumVoter[];
  readonly controller: QuorumController;
}

/** The consumer group APIs (broker listeners). */
export function groupApiHandlers(n: GroupApis): readonly ApiHandler[] {
  return [
    createFindCoordinatorHandler(n.groups, n.metadata, n.advertisedListeners, () => n.transactionTopic),
    createJoinGroupHandler(n.groups),
    createSyncGroupHandler(n.groups),
    createHeartbeatHandler(n.groups),
    createLeaveGroupHandler(n.groups),
    createOffsetCommitHandler(n.groups, n.metadata),
    createOffsetFetchHandler(n.groups),
    createListGroupsHandler(n.groups),
    createDescribeGroupsHandler(n.groups),
    createDeleteGroupsHandler(n.groups),
    createTxnOffsetCommitHandler(n.groups),
    createOffsetDeleteHandler(n.groups),
  ];
}

/** The APIs of the broker listeners: data, groups, transactions, and admin forwarded to the active controller. */
export function brokerApiHandlers(n: BrokerApis): readonly ApiHandler[] {
  const { config, metadata, replicas, raft, voters } = n;
  const writeTimeoutMs = config.values['offsets.commit.timeout.ms'];
  return [
    createProduceHandler({ replicas, autoCreate: n.autoCreate, log: n.log, verifier: n.verifier, recompression: n.recompression }),
    createFetchHandler(n.fetches),
    createListOffsetsHandler(replicas),
    createOffsetsForLeaderEpochHandler(replicas),
    createMetadataHandler({
      nodeId: config.nodeId,
      clusterId: n.clusterId,
      rack: config.values['broker.rack'],
      metadata,
      autoCreate: n.autoCreate,
      advertisedListeners: n.advertisedListeners,
      isOffline: (topic, partition) => replicas.isOffline(topic, partition),
    }),
    createDeleteRecordsHandler(replicas),
    createDescribeLogDirsHandler(replicas, config.logDirs),
    createDescribeProducersHandler(replicas),
    createInitProducerIdHandler({ producerIds: n.producerIds, log: n.log, transactions: n.transactions }),
    ...groupApiHandlers(n),
    createAddPartitionsToTxnHandler(n.transactions, metadata),
    createAddOffsetsToTxnHandler(n.transactions, metadata, config),
    createEndTxnHandler(n.transactions, n.producerIds, n.log),
    createWriteTxnMarkersHandler(replicas, writeTimeoutMs),
    createDescribeTransactionsHandler(n.transactions),
    createListTransactionsHandler(n.transactions),
    createCreateTopicsHandler(metadata),
    createDeleteTopicsHandler(metadata),
    createCreatePartitionsHandler(metadata),
    createDescribeConfigsHandler(config, metadata),
    createAlterConfigsHandler(metadata),
    createIncrementalAlterConfigsHandler(metadata),
    createElectLeadersHandler(metadata),
    createAlterPartitionReassignmentsHandler(metadata),
    createListPartitionReassignmentsHandler(metadata),
    createDescribeTopicPartitionsHandler(metadata),
    createCreateAclsHandler(metadata, aclApis(config)),
    createDeleteAclsHandler(metadata, aclApis(config)),
    createDescribeAclsHandler(metadata, aclApis(config)),
    createAlterClientQuotasHandler(metadata),
    createDescribeClientQuotasHandler(metadata),
    createAlterUserScramCredentialsHandler(metadata),
    createDescribeUserScramCredentialsHandler(() => metadata.image()),
    createDescribeQuorumHandler(raft, voters, controllerListenerName(config), (leaderId, apiVersion, request) => n.channel.requestTo(leaderId, ApiKey.DescribeQuorum, apiVersion, request)),
    createDescribeClusterHandler({
      clusterId: n.clusterId,
      endpointType: EndpointType.broker,
      controllerId: () => config.nodeId,
      nodes: (listenerName) =>
        [...metadata.image().brokers.values()]
          .filter((b) => !b.fenced)
          .flatMap((b) => b.endPoints.filter((e) => e.name === listenerName).map((e) => ({ brokerId: b.brokerId, host: e.host, port: e.port, rack: b.rack }))),
    }),
  ];
}

/** The APIs of the controller listeners: KRaft's, broker registration and heartbeats, and the controller's admin operations. */
export function controllerApiHandlers(config: BrokerConfig, n: ControllerApis): readonly ApiHandler[] {
  const { raft, controller, voters } = n;
  return [
    createVoteHandler(raft),
    createBeginQuorumEpochHandler(raft),
    createEndQuorumEpochHandler(raft),
    createControllerFetchHandler(raft),
    createFetchSnapshotHandler(raft),
    createDescribeQuorumHandler(raft, voters, controllerListenerName(config)),
    createBrokerRegistrationHandler(controller),
    createBrokerHeartbeatHandler(controller),
    createAllocateProducerIdsHandler(controller),
    createAlterPartitionHandler(controller),
    createCreateTopicsHandler(controller),
    createDeleteTopicsHandler(controller),
    createCreatePartitionsHandler(controller),
    createIncrementalAlterConfigsHandler(controller),
    createElectLeadersHandler(controller),
    createAlterPartitionReassignmentsHandler(controller),
    createCreateAclsHandler(controller, aclApis(config)),
    createDeleteAclsHandler(controller, aclApis(config)),
    createDescribeAclsHandler(n.image, aclApis(config)),
    createAlterClientQuotasHandler(controller),
    createAlterUserScramCredentialsHandler(controller),
    createListPartitionReassignmentsHandler(controller),
    createDescribeClusterHandler({
      clusterId: n.clusterId,
      endpointType: EndpointType.controller,
      controllerId: () => raft.status().leaderId,
      nodes: () => voters.map((voter) => ({ brokerId: voter.id, host: voter.host, port: voter.port, rack: null })),
    }),
  ];
}

function controllerListenerName(config: BrokerConfig): string {
  return config.controllerListenerNames[0] ?? 'CONTROLLER';
}

/** The ACL APIs answer SECURITY_DISABLED without an authorizer, as Kafka's do. */
function aclApis(config: BrokerConfig): { authorizerEnabled: boolean } {
  return { authorizerEnabled: config.values['authorizer.class.name'] !== '' };
}
