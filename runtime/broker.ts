import { Runtime } from '../core/actors/runtime.js';
import type { BrokerConfig, Endpoint } from './config/broker-config.js';
import type { ClusterMetadata } from './controller/cluster-metadata.js';
import { replicaOffsetsLog } from './group/replica-offsets-log.js';
import { startGroupCoordinator, type GroupCoordinator } from './group/start-group-coordinator.js';
import { CONSUMER_OFFSETS_TOPIC } from './group/group-coordinator-service.js';
import { createApiVersionsHandler } from './handlers/api-versions.js';
import { createDeleteRecordsHandler } from './handlers/delete-records.js';
import { createDescribeLogDirsHandler } from './handlers/describe-log-dirs.js';
import { createDescribeProducersHandler } from './handlers/describe-producers.js';
import { createFetchHandler } from './handlers/fetch.js';
import { createInitProducerIdHandler } from './handlers/init-producer-id.js';
import { createListOffsetsHandler } from './handlers/list-offsets.js';
import { createMetadataHandler } from './handlers/metadata.js';
import { createProduceHandler } from './handlers/produce.js';
import { HandlerRegistry, type ApiHandler } from './handlers/registry.js';
import { forComponent, type Logger } from './logger.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { ProducerIdManager } from './producer/producer-id-manager.js';
import { RequestDispatcher } from './network/request-dispatcher.js';
import { ConnectionQuotas, parsePerIpOverrides } from './network/connection-quotas.js';
import { SocketServer, type BoundEndpoint } from './network/socket-server.js';
import { connectionCreationRates, listenerSecurity } from './network/listener-security.js';
import { authenticationEvents } from './network/authentication-events.js';
import { saslHandshakeHandler } from './handlers/sasl-handshake.js';
import { saslAuthenticateHandler } from './handlers/sasl-authenticate.js';
import { metadataImage, scramCredentialsOf } from './network/scram-credentials.js';
import { descriptorBudget, readOpenFileLimit } from './open-file-limit.js';
import { AutoTopicCreator } from './replica/auto-topic-creator.js';
import { createOffsetsForLeaderEpochHandler } from './handlers/offsets-for-leader-epoch.js';
import { FetchManager } from './replica/fetch-manager.js';
import { ReplicaManager } from './replica/replica-manager.js';
import { lockDir, type DirLock } from './storage/dir-lock.js';
import { checkStorage } from './storage/storage-format.js';
import { startTransactionCoordinator, type TransactionCoordinators } from './txn/start-transaction-coordinator.js';
import { TransactionVerifier } from './txn/transaction-verifier.js';

/** Requests of one connection handled at once; more are read only as earlier ones finish. */
const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = 100;
/** Request bytes of one connection held at once, so a fast producer cannot fill the heap. */
const MAX_IN_FLIGHT_BYTES_PER_CONNECTION = 64 * 1024 * 1024;
/** Response bytes a client may leave unread before its connection is muted (Kafka mutes at one response). */
const MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION = 1024 * 1024;
/** On stop, requests already read get this long to be answered (a long-poll fetch waits up to 500 ms by default). */
const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;

export interface BrokerOptions {
  readonly config: BrokerConfig;
  readonly log: Logger;
  /** Handlers beyond ApiVersions, per plane: broker listeners serve clients, controller listeners the quorum. */
  readonly handlers?: { readonly broker?: readonly ApiHandler[]; readonly controller?: readonly ApiHandler[] };
  /** Off in tests that start many brokers in one process (prom-client's default metrics are per registry). */
  readonly processMetrics?: boolean;
  /**
   * The metadata quorum's view for this node. With it, a node with the broker
   * role runs the data path: partition actors on num.io.threads threads, the
   * replica manager, Produce/Fetch/ListOffsets/Metadata/DeleteRecords/
   * DescribeLogDirs, and the group coordinators.
   */
  readonly metadata?: ClusterMetadata;
}

/** The data path of a broker-role node, stopped after its listeners. */
interface DataPath {
  readonly runtime: Runtime;
  readonly replicas: ReplicaManager;
  readonly groups: GroupCoordinator;
  /** Kafka's `.lock` in each log dir, held while the partitions are open. */
  readonly logDirLocks: readonly DirLock[];
  readonly transactions: TransactionCoordinators;
  readonly producerIds: ProducerIdManager;
  readonly verifier: TransactionVerifier;
}

/**
 * One Freshet node: checks its storage, opens the broker and controller
 * listeners of its roles, and serves /metrics. The log, partition actors and
 * the Raft quorum plug in as handlers.
 */
export class Broker {
  private constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly metrics: BrokerMetrics,
    private readonly socketServers: readonly SocketServer[],
    private readonly metricsServer: MetricsServer | null,
    private readonly log: Logger,
    private readonly dataPath: DataPath | null,
  ) {}

  static async start(options: BrokerOptions): Promise<Broker> {
    const { config, log } = options;
    const clusterId = checkStorage(config);
    const metrics = new BrokerMetrics({ processMetrics: options.processMetrics !== false });
    const limits = {
      maxFrameBytes: config.values['socket.request.max.bytes'],
      idleTimeoutMs: config.values['connections.max.idle.ms'],
      maxInFlightRequests: MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
      maxInFlightBytes: MAX_IN_FLIGHT_BYTES_PER_CONNECTION,
      maxQueuedResponseBytes: MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION,
      maxUnauthenticatedFrameBytes: config.values['sasl.server.max.receive.size'],
      authenticationTimeoutMs: config.values['connection.authentication.timeout.ms'],
    };
    const security = listenerSecurity(config, config.listeners, authenticationEvents(metrics, forComponent(log, 'network')), scramCredentialsOf(metadataImage(options.metadata)));
    const descriptors = descriptorBudget(readOpenFileLimit(), config.values['log.max.open.files'], config.values['max.connections'], log);
    const quotas = new ConnectionQuotas({
      maxConnections: descriptors.maxConnections,
      maxConnectionsPerIp: config.values['max.connections.per.ip'],
      maxConnectionsPerIpOverrides: parsePerIpOverrides(config.values['max.connections.per.ip.overrides']),
    });
    const planes = [
      { role: 'broker', handlers: options.handlers?.broker ?? [],
        endpoints: config.listeners.filter((e) => !config.controllerListenerNames.includes(e.listenerName)) },
      { role: 'controller', handlers: options.handlers?.controller ?? [],
        endpoints: config.listeners.filter((e) => config.controllerListenerNames.includes(e.listenerName)) },
    ] as const;
    const started: SocketServer[] = [];
    let metricsServer: MetricsServer | null = null;
    let dataPath: DataPath | null = null;
    // Filled once the listeners are bound (Metadata answers with the ports actually bound).
    let advertised: () => readonly Endpoint[] = () => config.advertisedListeners;
    try {
      const dataHandlers: ApiHandler[] = [];
      if (config.processRoles.has('broker') && options.metadata !== undefined) {
        dataPath = await startDataPath(config, options.metadata, metrics, log, descriptors.logOpenFiles);
        const { replicas } = dataPath;
        dataPath.groups.useAdvertisedListeners(() => advertised());
        const autoCreate = new AutoTopicCreator(config, options.metadata, log, metrics);
        dataHandlers.push(
          createProduceHandler({ replicas, autoCreate, log, verifier: dataPath.verifier }) as ApiHandler,
          createFetchHandler(new FetchManager(replicas)) as ApiHandler,
          createListOffsetsHandler(replicas) as ApiHandler,
          createOffsetsForLeaderEpochHandler(replicas) as ApiHandler,
          createMetadataHandler({
            nodeId: config.nodeId,
            clusterId,
            rack: config.values['broker.rack'],
            metadata: options.metadata,
            autoCreate,
            advertisedListeners: () => advertised(),
            isOffline: (topic, partition) => replicas.isOffline(topic, partition),
          }) as ApiHandler,
          createDeleteRecordsHandler(replicas) as ApiHandler,
          createDescribeLogDirsHandler(replicas, config.logDirs) as ApiHandler,
          createInitProducerIdHandler({ producerIds: dataPath.producerIds, log, transactions: dataPath.transactions.service }) as ApiHandler,
          ...dataPath.groups.handlers,
          ...dataPath.transactions.handlers,
          createDescribeProducersHandler(replicas) as ApiHandler,
        );
      }
      for (const plane of planes) {
        if (!config.processRoles.has(plane.role) || plane.endpoints.length === 0) continue;
        const registry = new HandlerRegistry();
        registry.register(createApiVersionsHandler(registry));
        registry.register(saslHandshakeHandler).register(saslAuthenticateHandler);
        for (const handler of plane.handlers) registry.register(handler);
        if (plane.role === 'broker') for (const handler of dataHandlers) if (registry.get(handler.apiKey) === undefined) registry.register(handler);
        const dispatcher = new RequestDispatcher(registry, metrics, log);
        const planeQuotas = plane.role === 'broker' ? { quotas, creationRates: connectionCreationRates(config, plane.endpoints) } : {};
        started.push(await SocketServer.start({ endpoints: plane.endpoints, dispatcher, limits, ...planeQuotas, metrics, log: forComponent(log, 'network'), security }));
      }
      const metricsPort = config.values['metrics.port'];
      if (metricsPort !== 0) {
        metricsServer = await startMetricsServer(metrics, config.values['metrics.host'], metricsPort);
        log.info(`Serving Prometheus metrics on http://${config.values['metrics.host']}:${metricsServer.port}/metrics`);
      }
    } catch (error) {
      await Promise.all(started.map((server) => server.close()));
      if (dataPath !== null) await stopDataPath(dataPath);
      throw error;
    }
    log.info(`Freshet node ${config.nodeId} started (cluster id ${clusterId}, roles ${[...config.processRoles].join(',')})`);
    const broker = new Broker(config, clusterId, metrics, started, metricsServer, log, dataPath);
    advertised = () => broker.advertisedListeners;
    return broker;
  }

  /** The replica manager, when this node runs the data path. */
  get replicaManager(): ReplicaManager | null {
    return this.dataPath?.replicas ?? null;
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

  get metricsPort(): number | null {
    return this.metricsServer?.port ?? null;
  }

  /** Stops accepting, answers the requests already read, closes connections and the metrics endpoint. */
  async stop(): Promise<void> {
    // Long-poll fetches and acks=-1 produces answer now, so draining the connections is quick.
    this.dataPath?.replicas.completeDelayed();
    await Promise.all([
      ...this.socketServers.map((server) => server.close(SHUTDOWN_DRAIN_TIMEOUT_MS)),
      this.metricsServer?.close(),
    ]);
    if (this.dataPath !== null) await stopDataPath(this.dataPath);
    this.log.info(`Freshet node ${this.config.nodeId} shut down`);
  }
}

async function startDataPath(config: BrokerConfig, metadata: ClusterMetadata, metrics: BrokerMetrics, log: Logger, logOpenFiles: number): Promise<DataPath> {
  const logDirLocks: DirLock[] = [];
  try {
    for (const dir of config.logDirs) logDirLocks.push(await lockDir(dir, '.lock', (reason) => log.error(reason)));
  } catch (error) {
    for (const lock of logDirLocks) lock.release();
    throw error;
  }
  // Connections stay on the main thread (Node 20 cannot hand a socket to a worker), so only io threads start.
  const runtime = await Runtime.start({
    threads: { io: config.values['num.io.threads'] },
    log: (line) => log.warn(line),
    onActorStopped: (name, error) => log.error(`Actor ${name} stopped: ${error}`),
  });
  try {
    const replicas = await ReplicaManager.start({ config, metadata, runtime, metrics, log: forComponent(log, 'replica'), logOpenFiles });
    const groups = startGroupCoordinator({ config, metadata, offsetsLog: replicaOffsetsLog(replicas), runtime, log: forComponent(log, 'group'), metrics });
    const producerIds = new ProducerIdManager(config.nodeId, metadata, log);
    const transactions = startTransactionCoordinator({ config, metadata, replicas, producerIds, runtime, log: forComponent(log, 'txn'), metrics });
    const verifier = new TransactionVerifier(transactions.service);
    replicas.onTxnMarker((topic, partition, marker) => {
      verifier.onMarker(topic, partition, marker.producerId);
      // Transactional offset commits become visible (or are dropped) with their marker.
      if (topic === CONSUMER_OFFSETS_TOPIC) groups.service.transactionCompleted(partition, marker.producerId, marker.committed);
    });
    groups.useTransactionCoordinators(transactions.topic);
    return { runtime, replicas, groups, logDirLocks, transactions, producerIds, verifier };
  } catch (error) {
    await runtime.shutdown();
    for (const lock of logDirLocks) lock.release();
    throw error;
  }
}

/** Groups first (they write through the partitions), then the partitions: their actors close the logs cleanly. */
async function stopDataPath(dataPath: DataPath): Promise<void> {
  await dataPath.transactions.stop();
  await dataPath.groups.stop();
  await dataPath.replicas.stop();
  await dataPath.runtime.shutdown();
  for (const lock of dataPath.logDirLocks) lock.release();
}
