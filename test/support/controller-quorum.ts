import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runFreshet, startFreshet, type RunningFreshet } from '../../cli/testing/freshet-process.js';
import { randomKafkaUuid } from '../../runtime/storage/kafka-uuid.js';

/** One process of a multi-node cluster on 127.0.0.1, restartable on the same dir and ports. */
export interface ClusterProcess {
  readonly nodeId: number;
  /** The controller listener (controllers) or the PLAINTEXT listener (brokers). */
  readonly port: number;
  readonly address: string;
  /** `__cluster_metadata-0` in its metadata log dir (the first of log.dirs). */
  readonly metadataPartitionDir: string;
  /** The PLAINTEXT listener of a node with the broker role (combined nodes: besides `address`, the controller listener). */
  readonly clientAddress: string | null;
  /** Its log dir. */
  readonly logDir: string;
  running(): boolean;
  output(): string;
  /** The pid of the current run (SIGSTOP/SIGCONT go there, as a test pauses a node). */
  pid(): number;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait: a clean shutdown. */
  stop(): Promise<void>;
  /** Starts again (after kill) and waits for the "started" line. */
  start(): Promise<void>;
  /** The Prometheus text of its /metrics (with the `metrics` option). */
  metrics(): Promise<string>;
}

export interface ControllerQuorum {
  readonly clusterId: string;
  readonly controllers: readonly ClusterProcess[];
  readonly brokers: readonly ClusterProcess[];
  /** `host:port,…` of every controller listener, for `--bootstrap-controller`. */
  readonly bootstrapControllers: string;
  /** `host:port,…` of every PLAINTEXT listener (combined and broker-only nodes), for clients. */
  readonly bootstrapServers: string;
  /** Every process by node id. */
  node(nodeId: number): ClusterProcess;
  /** Kills every process and deletes the data dirs. */
  destroy(): Promise<void>;
}

export interface ControllerQuorumOptions {
  readonly controllers: number;
  /** Broker-only nodes (ids 101, 102, …) following the quorum as observers. */
  readonly brokers?: number;
  /** The controllers are combined nodes (`process.roles=broker,controller`), each with a PLAINTEXT listener too. */
  readonly combined?: boolean;
  /** Extra server.properties entries for every node. */
  readonly properties?: Record<string, string | number>;
  /** Extra server.properties entries of one node (e.g. its `broker.rack`). */
  readonly nodeProperties?: (nodeId: number) => Record<string, string | number>;
  /** Every node serves /metrics on a free port (`ClusterProcess.metrics()`); without it, none does. */
  readonly metrics?: boolean;
}

/**
 * A KRaft cluster as an operator runs one: voters (ids 1..n, `process.roles=controller`, or
 * combined `broker,controller` nodes) and optional `process.roles=broker` nodes, each a CLI child
 * process formatted with one cluster id, on free ports.
 */
export async function startControllerQuorum(options: ControllerQuorumOptions): Promise<ControllerQuorum> {
  const root = mkdtempSync(join(tmpdir(), 'freshet-quorum-'));
  const clusterId = randomKafkaUuid();
  const host = '127.0.0.1';
  const controllerPorts = await Promise.all(Array.from({ length: options.controllers }, () => freePort()));
  const voters = controllerPorts.map((port, i) => `${i + 1}@${host}:${port}`).join(',');
  const brokerListener = (clientPort: number, more = ''): Record<string, string> => ({
    listeners: `PLAINTEXT://${host}:${clientPort}${more}`,
    'advertised.listeners': `PLAINTEXT://${host}:${clientPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
  });
  const common = {
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'num.io.threads': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 2,
    // Tests read the nodes' output as an operator at a terminal does.
    'log.format': 'text',
    ...options.properties,
  };
  const make = async (nodeId: number, port: number, roleProperties: Record<string, string | number>, clientPort: number | null = null): Promise<ClusterProcess> => {
    const dir = join(root, `node-${nodeId}`);
    const propertiesPath = join(root, `node-${nodeId}.properties`);
    const metricsPort = options.metrics === true ? await freePort() : 0;
    const properties = { ...common, 'node.id': nodeId, 'log.dirs': join(dir, 'logs'), 'metrics.port': metricsPort, ...roleProperties, ...options.nodeProperties?.(nodeId) };
    writeFileSync(propertiesPath, Object.entries(properties).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n');
    const formatted = await runFreshet(['storage', 'format', '-t', clusterId, '-c', propertiesPath]);
    if (formatted.code !== 0) throw new Error(`format failed: ${formatted.stderr}`);
    let current: RunningFreshet | null = null;
    return {
      nodeId,
      port,
      address: `${host}:${port}`,
      metadataPartitionDir: join(dir, 'logs', '__cluster_metadata-0'),
      clientAddress: clientPort === null ? null : `${host}:${clientPort}`,
      logDir: join(dir, 'logs'),
      running: () => current !== null && current.process.exitCode === null && current.process.signalCode === null,
      output: () => current?.output() ?? '',
      pid: () => current?.process.pid ?? 0,
      kill: async () => {
        await current?.stop('SIGKILL');
      },
      stop: async () => {
        await current?.stop('SIGTERM');
      },
      start: async () => {
        current = startFreshet(['server-start', propertiesPath]);
        await current.waitForLine(/Freshet node \d+ started/, 30_000);
      },
      metrics: async () => {
        if (metricsPort === 0) throw new Error('started without the metrics option');
        return (await fetch(`http://${host}:${metricsPort}/metrics`)).text();
      },
    };
  };
  const controllers = await Promise.all(
    controllerPorts.map(async (port, i) => {
      if (options.combined !== true) return make(i + 1, port, { 'process.roles': 'controller', listeners: `CONTROLLER://${host}:${port}` });
      const clientPort = await freePort();
      return make(i + 1, port, { 'process.roles': 'broker,controller', ...brokerListener(clientPort, `,CONTROLLER://${host}:${port}`) }, clientPort);
    }),
  );
  const brokers = await Promise.all(
    Array.from({ length: options.brokers ?? 0 }, async (_, i) => {
      const port = await freePort();
      return make(101 + i, port, { 'process.roles': 'broker', ...brokerListener(port) }, port);
    }),
  );
  const all = [...controllers, ...brokers];
  const byId = new Map(all.map((p) => [p.nodeId, p]));
  try {
    await Promise.all(controllers.map((c) => c.start()));
    await Promise.all(brokers.map((b) => b.start()));
  } catch (error) {
    await Promise.all(all.map((p) => p.kill()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    clusterId,
    controllers,
    brokers,
    bootstrapControllers: controllers.map((c) => c.address).join(','),
    bootstrapServers: all.flatMap((p) => (p.clientAddress === null ? [] : [p.clientAddress])).join(','),
    node: (nodeId) => {
      const found = byId.get(nodeId);
      if (found === undefined) throw new Error(`no node ${nodeId}`);
      return found;
    },
    destroy: async () => {
      await Promise.all(all.map((p) => p.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `metadata-quorum describe --status` as `Key: value` lines. */
export async function describeStatus(bootstrap: string, option = '--bootstrap-controller'): Promise<Map<string, string>> {
  const run = await runFreshet(['metadata-quorum', option, bootstrap, 'describe', '--status']);
  if (run.code !== 0) throw new Error(`metadata-quorum failed: ${run.stderr}`);
  return new Map(run.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

/** `metadata-quorum describe --replication`, by node id. */
export async function describeReplication(bootstrap: string): Promise<Map<number, { logEndOffset: number; lag: number; status: string }>> {
  const run = await runFreshet(['metadata-quorum', '--bootstrap-controller', bootstrap, 'describe', '--replication']);
  if (run.code !== 0) throw new Error(`metadata-quorum failed: ${run.stderr}`);
  const [, ...rows] = run.stdout.trim().split('\n');
  return new Map(rows.map((row) => row.split(/\s+/)).map((c) => [Number(c[0]), { logEndOffset: Number(c[1]), lag: Number(c[2]), status: c[5]! }]));
}
