import { NodeFileSystem } from '../../core/log/node-file-system.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { QuorumVoter } from '../../core/raft/quorum-voters.js';
import { defaultControllerConfig, type ControllerConfig } from '../../core/raft/controller/controller-state.js';
import type { BrokerConfig, Endpoint } from '../config/broker-config.js';
import { createAllocateProducerIdsHandler } from '../handlers/allocate-producer-ids.js';
import { createAlterConfigsHandler } from '../handlers/alter-configs.js';
import { createAlterPartitionHandler } from '../handlers/alter-partition.js';
import { createBeginQuorumEpochHandler } from '../handlers/begin-quorum-epoch.js';
import { createBrokerHeartbeatHandler } from '../handlers/broker-heartbeat.js';
import { createBrokerRegistrationHandler } from '../handlers/broker-registration.js';
import { createControllerFetchHandler } from '../handlers/controller-fetch.js';
import { createCreatePartitionsHandler } from '../handlers/create-partitions.js';
import { createCreateTopicsHandler } from '../handlers/create-topics.js';
import { createDeleteTopicsHandler } from '../handlers/delete-topics.js';
import { createDescribeClusterHandler, EndpointType } from '../handlers/describe-cluster.js';
import { createDescribeConfigsHandler } from '../handlers/describe-configs.js';
import { createDescribeQuorumHandler } from '../handlers/describe-quorum.js';
import { createDescribeTopicPartitionsHandler } from '../handlers/describe-topic-partitions.js';
import { createElectLeadersHandler } from '../handlers/elect-leaders.js';
import { createEndQuorumEpochHandler } from '../handlers/end-quorum-epoch.js';
import { createPartitionReassignmentsHandlers } from '../handlers/partition-reassignments.js';
import { createFetchSnapshotHandler } from '../handlers/fetch-snapshot.js';
import { createIncrementalAlterConfigsHandler } from '../handlers/incremental-alter-configs.js';
import type { ApiHandler } from '../handlers/registry.js';
import { readBootstrapRecords } from '../storage/bootstrap-records.js';
import { createAlterUserScramCredentialsHandler } from '../handlers/alter-user-scram-credentials.js';
import { createDescribeUserScramCredentialsHandler } from '../handlers/describe-user-scram-credentials.js';
import { createVoteHandler } from '../handlers/vote.js';
import { forComponent, type Logger } from '../logger.js';
import { MetadataLogStorage } from '../raft/metadata-log-storage.js';
import { RaftDriver } from '../raft/raft-driver.js';
import { lockDir } from '../storage/dir-lock.js';
import { checkStorage } from '../storage/storage-format.js';
import { BrokerLifecycle } from './broker-lifecycle.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { ClusterMetadataService } from './cluster-metadata-service.js';
import { ControllerChannel } from './controller-channel.js';
import { MetadataFollower } from './metadata-follower.js';
import { QuorumController } from './quorum-controller.js';

/** How long a single-node quorum's broker may take to register and unfence before the listeners open anyway. */
const SOLE_VOTER_START_WAIT_MS = 10_000;

export interface ClusterMetadataNode {
  readonly clusterId: string;
  readonly metadata: ClusterMetadata;
  readonly raft: RaftDriver;
  /** Null on a node without the controller role. */
  readonly controller: QuorumController | null;
  /** For Broker.start: admin APIs on the broker plane, KRaft and controller APIs on the controller plane. */
  readonly handlers: { readonly broker: readonly ApiHandler[]; readonly controller: readonly ApiHandler[] };
  /**
   * Broker role only: registers this broker (once) with these listeners, for nodes whose
   * advertised ports were only known after binding (port 0); resolves when it is unfenced
   * (false after waitMs without).
   */
  registerBroker(advertisedListeners: readonly Endpoint[], waitMs?: number): Promise<boolean>;
  /**
   * Broker role, `controlled.shutdown.enable`: asks the controller to move this broker's
   * leaderships away (bounded by `broker.session.timeout.ms`, after which the controller would
   * fence it anyway); call before the broker stops serving.
   */
  controlledShutdown(): Promise<void>;
  /** Stops heartbeats and the controller; a quorum leader resigns before its Raft stops. */
  stop(): Promise<void>;
}

export interface StartClusterMetadataOptions {
  readonly config: BrokerConfig;
  readonly log: Logger;
}

/**
 * Starts this node's part of the metadata quorum: the Raft driver over `__cluster_metadata-0`
 * (a voter on controllers, an observer on broker-only nodes), the image it follows, the
 * controller (controller role) and the broker's registration (broker role, via startBroker).
 */
export async function startClusterMetadata(options: StartClusterMetadataOptions): Promise<ClusterMetadataNode> {
  const { config, log } = options;
  const clusterId = checkStorage(config);
  const voters: QuorumVoter[] = config.quorumVoters.map((v) => ({ id: v.nodeId, host: v.host, port: v.port }));
  const v = config.values;
  // One process per metadata log dir: two nodes writing one __cluster_metadata would corrupt it.
  const lock = await lockDir(config.metadataLogDir, '.kraft.lock', (reason) => log.error(reason));
  const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: config.metadataLogDir, voters: voters.map((x) => x.id), nowMs: Date.now });
  const follower = new MetadataFollower(log);
  const raft = new RaftDriver({
    nodeId: config.nodeId,
    clusterId,
    voters,
    storage,
    stateMachine: follower,
    log: forComponent(log, 'raft'),
    electionTimeoutMs: v['controller.quorum.election.timeout.ms'],
    fetchTimeoutMs: v['controller.quorum.fetch.timeout.ms'],
    requestTimeoutMs: v['controller.quorum.request.timeout.ms'],
    retryBackoffMs: v['controller.quorum.retry.backoff.ms'],
    snapshotMaxNewRecordBytes: v['metadata.log.max.record.bytes.between.snapshots'],
    snapshotMaxIntervalMs: v['metadata.log.max.snapshot.interval.ms'],
    snapshotFetchMaxBytes: v['metadata.fetch.snapshot.max.bytes'],
  });
  const isController = config.processRoles.has('controller');
  const isBroker = config.processRoles.has('broker');
  const controllerConfig: ControllerConfig = {
    ...defaultControllerConfig,
    clusterId,
    brokerSessionTimeoutMs: v['broker.session.timeout.ms'],
    numPartitions: v['num.partitions'],
    defaultReplicationFactor: v['default.replication.factor'],
    uncleanLeaderElectionEnable: v['unclean.leader.election.enable'],
    deleteTopicEnable: v['delete.topic.enable'],
    partitionLimits: { maxPartitions: v['max.partitions'], maxBrokerPartitions: v['max.broker.partitions'] },
    autoLeaderRebalanceEnable: v['auto.leader.rebalance.enable'],
    leaderImbalanceCheckIntervalMs: v['leader.imbalance.check.interval.seconds'] * 1000,
    leaderImbalancePerBrokerPercentage: v['leader.imbalance.per.broker.percentage'],
  };
  const controller = isController ? new QuorumController(raft, follower, controllerConfig, forComponent(log, 'controller'), readBootstrapRecords(config.metadataLogDir)) : null;
  const channel = new ControllerChannel(config.nodeId, raft, controller, voters, v['controller.quorum.request.timeout.ms'] * 5);
  const lifecycle = isBroker ? new BrokerLifecycle(config, clusterId, channel, follower, log) : null;
  const metadata = new ClusterMetadataService(config.nodeId, follower, channel, lifecycle, 30_000);
  raft.start();

  const controllerListenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
  const brokerHandlers: ApiHandler[] = [
    createCreateTopicsHandler(metadata),
    createDeleteTopicsHandler(metadata),
    createCreatePartitionsHandler(metadata),
    createDescribeConfigsHandler(config, metadata),
    createAlterConfigsHandler(metadata),
    createIncrementalAlterConfigsHandler(metadata),
    createElectLeadersHandler(metadata),
    ...createPartitionReassignmentsHandlers(metadata),
    createDescribeTopicPartitionsHandler(metadata),
    createAlterUserScramCredentialsHandler(metadata),
    createDescribeUserScramCredentialsHandler(() => metadata.image()),
    createDescribeQuorumHandler(raft, voters, controllerListenerName, (leaderId, apiVersion, request) => channel.requestTo(leaderId, ApiKey.DescribeQuorum, apiVersion, request)),
    createDescribeClusterHandler({
      clusterId,
      endpointType: EndpointType.broker,
      controllerId: () => config.nodeId,
      nodes: (listenerName) =>
        [...follower.image().brokers.values()]
          .filter((b) => !b.fenced)
          .flatMap((b) => b.endPoints.filter((e) => e.name === listenerName).map((e) => ({ brokerId: b.brokerId, host: e.host, port: e.port, rack: b.rack }))),
    }),
  ];
  const controllerHandlers: ApiHandler[] = controller === null ? [] : [
    createVoteHandler(raft),
    createBeginQuorumEpochHandler(raft),
    createEndQuorumEpochHandler(raft),
    createControllerFetchHandler(raft),
    createFetchSnapshotHandler(raft),
    createDescribeQuorumHandler(raft, voters, controllerListenerName),
    createBrokerRegistrationHandler(controller),
    createBrokerHeartbeatHandler(controller),
    createAllocateProducerIdsHandler(controller),
    createAlterPartitionHandler(controller),
    createCreateTopicsHandler(controller),
    createDeleteTopicsHandler(controller),
    createCreatePartitionsHandler(controller),
    createIncrementalAlterConfigsHandler(controller),
    createAlterUserScramCredentialsHandler(controller),
    createElectLeadersHandler(controller),
    ...createPartitionReassignmentsHandlers(controller),
    createDescribeClusterHandler({
      clusterId,
      endpointType: EndpointType.controller,
      controllerId: () => raft.status().leaderId,
      nodes: () => voters.map((voter) => ({ brokerId: voter.id, host: voter.host, port: voter.port, rack: null })),
    }),
  ];

  let registered = false;
  const registerBroker = (listeners: readonly Endpoint[], waitMs = 30_000): Promise<boolean> => {
    if (lifecycle === null) return Promise.resolve(false);
    if (!registered) lifecycle.start(listeners);
    registered = true;
    return lifecycle.waitUntilUnfenced(waitMs);
  };
  // Register before the listeners open when the ports are known, so clients never see a broker-less
  // cluster; a quorum of this node alone settles in milliseconds, so wait for it (bounded).
  if (config.advertisedListeners.every((e) => e.port !== 0)) {
    const soleVoter = voters.length === 1 && voters[0]!.id === config.nodeId;
    await registerBroker(config.advertisedListeners, soleVoter ? SOLE_VOTER_START_WAIT_MS : 0);
  }

  return {
    clusterId,
    metadata,
    raft,
    controller,
    handlers: { broker: brokerHandlers, controller: controllerHandlers },
    registerBroker,
    controlledShutdown: async () => {
      if (lifecycle !== null && registered && v['controlled.shutdown.enable']) await lifecycle.controlledShutdown(v['broker.session.timeout.ms']);
    },
    stop: async () => {
      lifecycle?.stop();
      controller?.stop();
      await raft.shutdown();
      channel.close();
      lock.release();
    },
  };
}
