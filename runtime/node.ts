import { BackgroundPool } from '../core/actors/background-pool.js';
import { Runtime } from '../core/actors/runtime.js';
import { NodeFileSystem } from '../core/log/node-file-system.js';
import { defaultControllerConfig } from '../core/raft/controller/controller-state.js';
import type { QuorumVoter } from '../core/raft/quorum-voters.js';
import type { BrokerConfig, Endpoint } from './config/broker-config.js';
import { BrokerLifecycle } from './controller/broker-lifecycle.js';
import { ClusterMetadataService } from './controller/cluster-metadata-service.js';
import { ControllerChannel } from './controller/controller-channel.js';
import { MetadataFollower } from './controller/metadata-follower.js';
import { QuorumController } from './controller/quorum-controller.js';
import { CONSUMER_OFFSETS_TOPIC, GroupCoordinatorService } from './group/group-coordinator-service.js';
import { registerGroupLagMetrics } from './group/group-lag-metrics.js';
import { registerGroupMetrics } from './group/group-metrics.js';
import { replicaOffsetsLog } from './group/replica-offsets-log.js';
import { brokerApiHandlers, controllerApiHandlers } from './handlers/api-handler-table.js';
import { ProduceRecompression } from './handlers/produce-recompression.js';
import { createApiVersionsHandler } from './handlers/api-versions.js';
import { HandlerRegistry, type ApiHandler } from './handlers/registry.js';
import { forComponent, type Logger } from './logger.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { registerLogDirMetrics } from './metrics/log-dir-metrics.js';
import { registerRaftMetrics } from './metrics/raft-metrics.js';
import { registerThreadMetrics } from './metrics/thread-metrics.js';
import { startConsole } from './console/start-console.js';
import { registerReplicationMetrics } from './metrics/replication-metrics.js';
import { ConnectionQuotas, parsePerIpOverrides } from './network/connection-quotas.js';
import { RequestDispatcher } from './network/request-dispatcher.js';
import { SocketServer, type BoundEndpoint } from './network/socket-server.js';
import { authenticationEvents } from './network/authentication-events.js';
import { connectionCreationRates, listenerSecurity } from './network/listener-security.js';
import { metadataImage, scramCredentialsOf } from './network/scram-credentials.js';
import { saslAuthenticateHandler } from './handlers/sasl-authenticate.js';
import { saslHandshakeHandler } from './handlers/sasl-handshake.js';
import { authorizingHandler } from './security/authorizing-handler.js';
import { RequestAuthorizer } from './security/request-authorizer.js';
import { startClientQuotaEnforcer } from './quota/client-quota-enforcer.js';
import { descriptorBudget, readOpenFileLimit } from './open-file-limit.js';
import { ProducerIdManager } from './producer/producer-id-manager.js';
import { MetadataLogStorage } from './raft/metadata-log-storage.js';
import { RaftDriver } from './raft/raft-driver.js';
import { AutoTopicCreator } from './replica/auto-topic-creator.js';
import { FetchManager } from './replica/fetch-manager.js';
import { ReplicaManager } from './replica/replica-manager.js';
import { lockDir } from './storage/dir-lock.js';
import { checkStorage } from './storage/storage-format.js';
import { readBootstrapRecords } from './storage/bootstrap-records.js';
import { startTransactionCoordinator } from './txn/start-transaction-coordinator.js';
import { TransactionVerifier } from './txn/transaction-verifier.js';

/** Requests of one connection handled at once; more are read only as earlier ones finish. */
const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = 100;
/** Request bytes of one connection held at once, so a fast producer cannot fill the heap. */
const MAX_IN_FLIGHT_BYTES_PER_CONNECTION = 64 * 1024 * 1024;
/** Response bytes a client may leave unread before its connection is muted (Kafka mutes at one response). */
const MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION = 1024 * 1024;
/** On stop, requests already read get this long to be answered (a long-poll fetch waits up to 500 ms by default). */
const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;
/** How long a single-node quorum's broker may take to register and unfence before the listeners open anyway. */
const SOLE_VOTER_START_WAIT_MS = 10_000;
/** How long an admin operation forwarded to the active controller waits for its effect in the local image. */
const ADMIN_OPERATION_TIMEOUT_MS = 30_000;

export interface FreshetNodeOptions {
  readonly config: BrokerConfig;
  readonly log: Logger;
  /** Off in tests that start many nodes in one process (prom-client's default metrics are per registry). */
  readonly processMetrics?: boolean;
}

/** What start-up opened, stopped last-opened first. */
type Stop = () => Promise<void> | void;

/**
 * One Freshet node, wired in one place: config → storage → metadata quorum →
 * (broker role) replica manager → group and transaction coordinators → the
 * API handler table → listeners → metrics. `stop()` undoes it in reverse.
 */
export class FreshetNode {
  private constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly metrics: BrokerMetrics,
    /** The metadata image this node follows (every role). */
    readonly metadata: ClusterMetadataService,
    /** The replica manager, when this node has the broker role. */
    readonly replicaManager: ReplicaManager | null,
    private readonly socketServers: readonly SocketServer[],
    /** Where /metrics is served (null with metrics.port=0). */
    readonly metricsPort: number | null,
    private readonly stops: Stop[],
    private readonly log: Logger,
  ) {}

  static async start(options: FreshetNodeOptions): Promise<FreshetNode> {
    const { config, log } = options;
    const v = config.values;
    const stops: Stop[] = [];
    const onStop = (stop: Stop): void => void stops.push(stop);
    const isBroker = config.processRoles.has('broker');
    const isController = config.processRoles.has('controller');
    try {
      // Storage: formatted for this cluster, and one process per dir.
      const clusterId = checkStorage(config);
      const metrics = new BrokerMetrics({ processMetrics: options.processMetrics !== false });
      const descriptors = descriptorBudget(readOpenFileLimit(), v['log.max.open.files'], v['max.connections'], log);
      const kraftLock = await lockDir(config.metadataLogDir, '.kraft.lock', (reason) => log.error(reason));
      onStop(() => kraftLock.release());
      if (isBroker) {
        for (const dir of config.logDirs) {
          const lock = await lockDir(dir, '.lock', (reason) => log.error(reason));
          onStop(() => lock.release());
        }
      }

      // The metadata quorum: Raft over __cluster_metadata-0 (a voter on controllers, an observer
      // on broker-only nodes), the image every node follows, the controller on controllers.
      const voters: QuorumVoter[] = config.quorumVoters.map((voter) => ({ id: voter.nodeId, host: voter.host, port: voter.port }));
      const storage = MetadataLogStorage.open({ fs: new NodeFileSystem(), metadataLogDir: config.metadataLogDir, voters: voters.map((voter) => voter.id), nowMs: Date.now });
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
      const controller = isController
        ? new QuorumController(raft, follower, {
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
          }, forComponent(log, 'controller'), readBootstrapRecords(config.metadataLogDir))
        : null;
      const channel = new ControllerChannel(config.nodeId, raft, controller, voters, v['controller.quorum.request.timeout.ms'] * 5);
      const lifecycle = isBroker ? new BrokerLifecycle(config, clusterId, channel, follower, log) : null;
      const metadata = new ClusterMetadataService(config.nodeId, follower, channel, lifecycle, ADMIN_OPERATION_TIMEOUT_MS);
      raft.start();
      onStop(async () => {
        lifecycle?.stop();
        controller?.stop();
        // A quorum leader resigns before its Raft stops.
        await raft.shutdown();
        channel.close();
      });
      let registered = false;
      const registerBroker = async (listeners: readonly Endpoint[], waitMs: number): Promise<void> => {
        if (lifecycle === null || registered) return;
        registered = true;
        lifecycle.start(listeners);
        await lifecycle.waitUntilUnfenced(waitMs);
      };
      // Register before the listeners open when the ports are known, so clients never see a broker-less
      // cluster; a quorum of this node alone settles in milliseconds, so wait for it (bounded).
      if (config.advertisedListeners.every((endpoint) => endpoint.port !== 0)) {
        const soleVoter = voters.length === 1 && voters[0]!.id === config.nodeId;
        await registerBroker(config.advertisedListeners, soleVoter ? SOLE_VOTER_START_WAIT_MS : 0);
      }

      // The data path (broker role): partition actors on num.io.threads threads, then the
      // coordinators that write through them.
      let replicas: ReplicaManager | null = null;
      let brokerHandlers: readonly ApiHandler[] = [];
      // Filled once the listeners are bound (Metadata answers with the ports actually bound).
      let advertised: () => readonly Endpoint[] = () => config.advertisedListeners;
      if (isBroker) {
        // Connections stay on the main thread, so only io threads start.
        const runtime = await Runtime.start({
          threads: { io: v['num.io.threads'] },
          log: (line) => log.warn(line),
          onActorStopped: (name, error) => log.error(`Actor ${name} stopped: ${error}`),
        });
        onStop(() => runtime.shutdown());
        registerThreadMetrics(metrics, runtime);
        registerLogDirMetrics(metrics, config.logDirs);
        // Stateless CPU jobs (recompression of produced batches) on background.threads threads.
        const background = new BackgroundPool({ threads: v['background.threads'] });
        onStop(() => background.close());
        const replicaManager = await ReplicaManager.start({ config, metadata, runtime, metrics, log: forComponent(log, 'replica'), logOpenFiles: descriptors.logOpenFiles });
        replicas = replicaManager;
        onStop(() => replicaManager.stop());
        const groups = new GroupCoordinatorService({ config, metadata, offsetsLog: replicaOffsetsLog(replicaManager), runtime, logger: forComponent(log, 'group') });
        groups.start();
        registerGroupMetrics(metrics, groups);
        registerGroupLagMetrics(metrics, groups, (topic, partition) => {
          const local = replicaManager.localReplica(topic, partition);
          return local?.leaderId === config.nodeId ? BigInt(local.state.highWatermark) : undefined;
        });
        onStop(() => groups.stop());
        const producerIds = new ProducerIdManager(config.nodeId, metadata, log);
        const transactions = startTransactionCoordinator({ config, metadata, replicas: replicaManager, runtime, log: forComponent(log, 'txn'), metrics });
        onStop(() => transactions.stop());
        const verifier = new TransactionVerifier(transactions.service, transactions.brokers, v['transaction.partition.verification.enable']);
        replicaManager.onTxnMarker((topic, partition, marker) => {
          verifier.onMarker(topic, partition, marker.producerId);
          // Transactional offset commits become visible (or are dropped) with their marker.
          if (topic === CONSUMER_OFFSETS_TOPIC) groups.transactionCompleted(partition, marker.producerId, marker.committed);
        });
        brokerHandlers = brokerApiHandlers({
          config, clusterId, log, metadata, raft, voters, channel, groups, producerIds, verifier,
          replicas: replicaManager,
          fetches: new FetchManager(replicaManager),
          autoCreate: new AutoTopicCreator(config, metadata, log, metrics),
          transactions: transactions.service,
          transactionTopic: transactions.topic,
          recompression: new ProduceRecompression(background, config, metadata),
          advertisedListeners: () => advertised(),
        });
      }
      const controllerHandlers = controller === null ? [] : controllerApiHandlers(config, { clusterId, raft, voters, controller, image: follower });

      // Listeners: broker listeners serve clients, controller listeners the quorum.
      const limits = {
        maxFrameBytes: v['socket.request.max.bytes'],
        idleTimeoutMs: v['connections.max.idle.ms'],
        maxInFlightRequests: MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
        maxInFlightBytes: MAX_IN_FLIGHT_BYTES_PER_CONNECTION,
        maxQueuedResponseBytes: MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION,
        maxUnauthenticatedFrameBytes: v['sasl.server.max.receive.size'],
        authenticationTimeoutMs: v['connection.authentication.timeout.ms'],
      };
      // Each listener's security protocol and SASL mechanisms; the authorizer (authorizer.class.name) around every handler.
      const security = listenerSecurity(config, config.listeners, authenticationEvents(metrics, forComponent(log, 'network')), scramCredentialsOf(metadataImage(metadata)));
      const authorizer = RequestAuthorizer.fromConfig(config, metadata, metrics);
      // Client quotas (metadata log) on the broker listeners' clients, not on the controller plane.
      const clientQuotas = startClientQuotaEnforcer(config, metadata, metrics, forComponent(log, 'network'));
      const quotas = new ConnectionQuotas({
        maxConnections: descriptors.maxConnections,
        maxConnectionsPerIp: v['max.connections.per.ip'],
        maxConnectionsPerIpOverrides: parsePerIpOverrides(v['max.connections.per.ip.overrides']),
      });
      const brokerEndpoints = config.listeners.filter((e) => !config.controllerListenerNames.includes(e.listenerName));
      const planes = [
        { role: 'broker' as const, serves: isBroker, handlers: brokerHandlers, planeQuotas: { quotas, creationRates: connectionCreationRates(config, brokerEndpoints) },
          endpoints: brokerEndpoints },
        { role: 'controller' as const, serves: isController, handlers: controllerHandlers, planeQuotas: {},
          endpoints: config.listeners.filter((e) => config.controllerListenerNames.includes(e.listenerName)) },
      ];
      const socketServers: SocketServer[] = [];
      for (const plane of planes) {
        if (!plane.serves || plane.endpoints.length === 0) continue;
        const registry = new HandlerRegistry();
        // Before authentication a client may only ask these (authentication is not authorized).
        registry.register(createApiVersionsHandler(registry)).register(saslHandshakeHandler).register(saslAuthenticateHandler);
        for (const handler of plane.handlers) {
          const authorized = authorizer === null ? handler : authorizingHandler(handler, plane.role, authorizer);
          registry.register(plane.role === 'broker' ? clientQuotas.wrap(authorized) : authorized);
        }
        const dispatcher = new RequestDispatcher(registry, metrics, log);
        const server = await SocketServer.start({ endpoints: plane.endpoints, dispatcher, limits, ...plane.planeQuotas, metrics, log: forComponent(log, 'network'), security });
        socketServers.push(server);
        onStop(() => server.close(SHUTDOWN_DRAIN_TIMEOUT_MS));
      }
      // Long-poll fetches and acks=-1 produces answer at once, so the listeners drain quickly.
      const replicaManager = replicas;
      if (replicaManager !== null) onStop(() => replicaManager.completeDelayed());

      // Metrics.
      onStop(registerReplicationMetrics(metrics, { nodeId: config.nodeId, image: () => metadata.image(), onChange: (listener) => metadata.onChange(listener), controller }));
      registerRaftMetrics(metrics, () => raft.status());
      let metricsServer: MetricsServer | null = null;
      if (v['metrics.port'] !== 0) {
        const server = await startMetricsServer(metrics, v['metrics.host'], v['metrics.port']);
        metricsServer = server;
        onStop(() => server.close());
        log.info(`Serving Prometheus metrics on http://${v['metrics.host']}:${server.port}/metrics`);
      }

      const node = new FreshetNode(config, clusterId, metrics, metadata, replicas, socketServers, metricsServer?.port ?? null, stops, log);
      advertised = () => node.advertisedListeners;
      // The web console (console.enable) shares the metrics port and reads through this node's broker listener.
      const consoleListener = node.advertisedListeners.find((endpoint) => !config.controllerListenerNames.includes(endpoint.listenerName));
      if (v['console.enable'] && metricsServer !== null && replicas !== null && consoleListener !== undefined) {
        const localReplicas = replicas;
        const webConsole = startConsole({
          config, metrics, log, http: metricsServer, listener: consoleListener,
          node: {
            image: () => metadata.image(),
            quorum: () => raft.status(),
            partitionDir: (topic, partition) => {
              const local = localReplicas.localReplica(topic, partition);
              return local === undefined ? undefined : `${local.logDir}/${topic}-${partition}`;
            },
          },
        });
        onStop(() => webConsole.stop());
      }
      // Ports bound late (port 0) are known only now; the listeners already answer.
      void registerBroker(node.advertisedListeners, 0);
      // Controlled shutdown (controlled.shutdown.enable): this broker's leaderships move to other
      // brokers while it still serves; bounded by broker.session.timeout.ms, after which the
      // controller would fence it anyway.
      onStop(async () => {
        if (lifecycle !== null && registered && v['controlled.shutdown.enable']) await lifecycle.controlledShutdown(v['broker.session.timeout.ms']);
      });
      log.info(`Freshet node ${config.nodeId} started (cluster id ${clusterId}, roles ${[...config.processRoles].join(',')})`);
      return node;
    } catch (error) {
      await stopAll(stops);
      throw error;
    }
  }

  /** The listeners as bound (ports resolved when the config said 0). */
  get endpoints(): readonly BoundEndpoint[] {
    return this.socketServers.flatMap((server) => server.endpoints);
  }

  /**
   * What Metadata tells clients, per listener: advertised.listeners with a
   * configured port 0 replaced by the port actually bound (tests use port 0).
   */
  get advertisedListeners(): readonly Endpoint[] {
    return this.config.advertisedListeners.map((endpoint) => {
      if (endpoint.port !== 0) return endpoint;
      const bound = this.endpoints.find((e) => e.listenerName === endpoint.listenerName);
      return bound === undefined ? endpoint : { ...endpoint, port: bound.port };
    });
  }

  /**
   * Stops what start opened, in reverse: controlled shutdown, the listeners (answering the
   * requests already read), the coordinators, the partitions (their actors close the logs
   * cleanly), the io threads, the log dir locks, and last the quorum membership.
   */
  async stop(): Promise<void> {
    await stopAll(this.stops);
    this.log.info(`Freshet node ${this.config.nodeId} shut down`);
  }
}

async function stopAll(stops: Stop[]): Promise<void> {
  for (let stop = stops.pop(); stop !== undefined; stop = stops.pop()) await stop();
}
