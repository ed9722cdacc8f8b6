import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KafkaClient } from '../client/kafka-client.js';
import { loadBrokerConfig } from '../runtime/config/broker-config.js';
import { randomKafkaUuid } from '../runtime/storage/kafka-uuid.js';
import { formatStorage } from '../runtime/storage/storage-format.js';
import { ToolUsageError } from './kafka-tool.js';
import { makeLocalCertificates } from './certificates.js';
import { describeQuorum } from './metadata-quorum-command.js';

/**
 * Where a dev cluster's nodes listen and keep their data. Each node has three client listeners on
 * consecutive ports: PLAINTEXT (9092, 9095, 9098 by default), SSL (9093, 9096, 9099) and
 * SASL_PLAINTEXT (9094, 9097, 9100); its controller listener is outside them (19092 and up).
 */
export interface DevClusterLayout {
  readonly nodes: number;
  readonly basePort: number;
  readonly controllerBasePort: number;
  readonly metricsBasePort: number;
  readonly dataDir: string;
  /** Extra server.properties entries for every node. */
  readonly overrides: Readonly<Record<string, string>>;
}

export const defaultDevClusterLayout = { nodes: 3, basePort: 9092, controllerBasePort: 19092, metricsBasePort: 9464, dataDir: './data/cluster' } as const;

export interface DevClusterNode {
  readonly id: number;
  readonly clientPort: number;
  /** The SSL listener (certificates in `<data dir>/tls`, made at the first start). */
  readonly sslPort: number;
  /** The SASL_PLAINTEXT listener: PLAIN with the users of DEV_CLUSTER_USERS, and SCRAM-SHA-256/512. */
  readonly saslPort: number;
  readonly controllerPort: number;
  readonly metricsPort: number;
  readonly propertiesPath: string;
  readonly logPath: string;
  /** The pid of the last start, 0 before the first. */
  pid: number;
}

/** `cluster.json` in the data dir: what stop, status and the per-node verbs act on. */
export interface DevClusterState {
  readonly clusterId: string;
  readonly nodes: DevClusterNode[];
}

const HOST = '127.0.0.1';
/** PLAIN users of the SASL_PLAINTEXT listener (a development cluster: the passwords are no secret). */
export const DEV_CLUSTER_USERS: Readonly<Record<string, string>> = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };

/** Where the cluster's CA and broker certificate live (clients trust `ca.pem`). */
export function tlsDir(dataDir: string): string {
  return join(resolve(dataDir), 'tls');
}
const STATE_FILE = 'cluster.json';
/** A node of a dev cluster starts in about a second; the bound covers a loaded machine. */
const SERVE_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export function devClusterNodes(layout: DevClusterLayout): DevClusterNode[] {
  const dataDir = resolve(layout.dataDir);
  return Array.from({ length: layout.nodes }, (_, i) => ({
    id: i + 1,
    clientPort: layout.basePort + 3 * i,
    sslPort: layout.basePort + 3 * i + 1,
    saslPort: layout.basePort + 3 * i + 2,
    controllerPort: layout.controllerBasePort + i,
    metricsPort: layout.metricsBasePort + i,
    propertiesPath: join(dataDir, `${i + 1}.properties`),
    logPath: join(dataDir, `${i + 1}.log`),
    pid: 0,
  }));
}

/** server.properties of one combined node; replicated internal topics as far as the cluster allows. */
export function devClusterProperties(layout: DevClusterLayout, node: DevClusterNode, nodes: readonly DevClusterNode[]): Record<string, string> {
  const replicationFactor = String(Math.min(3, layout.nodes));
  const users = Object.entries(DEV_CLUSTER_USERS).map(([user, password]) => `user_${user}="${password}"`).join(' ');
  return {
    'process.roles': 'broker,controller',
    'node.id': String(node.id),
    'controller.quorum.voters': nodes.map((n) => `${n.id}@${HOST}:${n.controllerPort}`).join(','),
    listeners: `PLAINTEXT://${HOST}:${node.clientPort},SSL://${HOST}:${node.sslPort},SASL_PLAINTEXT://${HOST}:${node.saslPort},CONTROLLER://${HOST}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${node.clientPort},SSL://${HOST}:${node.sslPort},SASL_PLAINTEXT://${HOST}:${node.saslPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': join(tlsDir(layout.dataDir), 'broker-keystore.pem'),
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': join(tlsDir(layout.dataDir), 'ca.pem'),
    'ssl.client.auth': 'requested',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
    'log.dirs': join(resolve(layout.dataDir), String(node.id)),
    'metrics.port': String(node.metricsPort),
    // N nodes share one machine: Kafka's 8 io threads each would only contend for its cores.
    'num.io.threads': '2',
    'default.replication.factor': replicationFactor,
    'offsets.topic.replication.factor': replicationFactor,
    'transaction.state.log.replication.factor': replicationFactor,
    'transaction.state.log.min.isr': String(Math.min(2, layout.nodes)),
    ...layout.overrides,
  };
}

export function readDevClusterState(dataDir: string): DevClusterState {
  const path = join(resolve(dataDir), STATE_FILE);
  if (!existsSync(path)) throw new ToolUsageError(`No dev cluster in ${dataDir} (start one with \`freshet dev-cluster start\`)`);
  return JSON.parse(readFileSync(path, 'utf8')) as DevClusterState;
}

function writeDevClusterState(dataDir: string, state: DevClusterState): void {
  writeFileSync(join(resolve(dataDir), STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

/**
 * Writes each node's properties, formats their log dirs with one cluster id (kept on a restart of
 * the same data dir), starts every node in the background and returns once each serves clients
 * and lists every broker, and the quorum has a leader.
 */
export async function startDevCluster(layout: DevClusterLayout): Promise<DevClusterState> {
  const dataDir = resolve(layout.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const previous = existsSync(join(dataDir, STATE_FILE)) ? readDevClusterState(dataDir) : null;
  const running = previous?.nodes.filter(isNodeRunning) ?? [];
  if (running.length > 0) throw new ToolUsageError(`The dev cluster in ${layout.dataDir} is running (nodes ${running.map((n) => n.id).join(', ')}); stop it first`);
  const nodes = devClusterNodes(layout);
  // Made once per data dir, so clients that trust its ca.pem keep working across restarts.
  if (!existsSync(join(tlsDir(dataDir), 'ca.pem'))) makeLocalCertificates(tlsDir(dataDir), [], 365);
  const clusterId = previous !== null && previous.nodes.length === nodes.length ? previous.clusterId : randomKafkaUuid();
  for (const node of nodes) {
    const properties = devClusterProperties(layout, node, nodes);
    writeFileSync(node.propertiesPath, Object.entries(properties).map(([key, value]) => `${key}=${value}`).join('\n') + '\n');
    formatStorage(loadBrokerConfig(properties).config, { clusterId, ignoreFormatted: true });
  }
  const state: DevClusterState = { clusterId, nodes };
  for (const node of nodes) launchNode(node);
  writeDevClusterState(dataDir, state);
  // Every node must see every broker, or an RF 3 topic created right after `start` is refused.
  const ids = nodes.map((n) => n.id);
  await Promise.all(nodes.map((node) => waitUntilServing(node, ids)));
  await describeQuorum(nodes.map((n) => `${HOST}:${n.controllerPort}`).join(','));
  return state;
}

/** Starts one stopped node again and returns once it serves clients. */
export async function startDevClusterNode(dataDir: string, id: number): Promise<DevClusterNode> {
  const state = readDevClusterState(dataDir);
  const node = nodeOf(state, id);
  if (isNodeRunning(node)) throw new ToolUsageError(`Node ${id} is running (pid ${node.pid})`);
  launchNode(node);
  writeDevClusterState(dataDir, state);
  await waitUntilServing(node, [node.id]);
  return node;
}

/** SIGTERM (a controlled shutdown) or SIGKILL (a crash) to one node, by its recorded pid; waits for it to exit. */
export async function signalDevClusterNode(dataDir: string, id: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<DevClusterNode> {
  const node = nodeOf(readDevClusterState(dataDir), id);
  if (!isNodeRunning(node)) throw new ToolUsageError(`Node ${id} is not running`);
  await stopProcess(node, signal);
  return node;
}

/**
 * Stops every running node: SIGTERM to all at once, so each one's controlled shutdown finds the
 * quorum still up (one by one, the last nodes would wait out their session for a controller that
 * lost its majority); SIGKILL after a bound.
 */
export async function stopDevCluster(dataDir: string): Promise<DevClusterNode[]> {
  const running = readDevClusterState(dataDir).nodes.filter(isNodeRunning);
  await Promise.all(running.map((node) => stopProcess(node, 'SIGTERM')));
  return running;
}

/**
 * Whether the recorded pid is still this node: the process exists and its command line names the
 * node's properties file (a pid reused by another process is not ours to signal).
 */
export function isNodeRunning(node: DevClusterNode): boolean {
  if (node.pid <= 0) return false;
  try {
    process.kill(node.pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${node.pid}/cmdline`, 'utf8').split('\0').includes(node.propertiesPath);
  } catch {
    // No /proc (not Linux): the pid is all there is to go on.
    return true;
  }
}

function nodeOf(state: DevClusterState, id: number): DevClusterNode {
  const node = state.nodes.find((n) => n.id === id);
  if (node === undefined) throw new ToolUsageError(`No node ${id} in the dev cluster (nodes ${state.nodes.map((n) => n.id).join(', ')})`);
  return node;
}

/**
 * `freshet server-start <props>` detached, with stdout and stderr appended to the node's log; the
 * same node binary and loader as this command (the built CLI, or the sources under tsx in tests).
 */
function launchNode(node: DevClusterNode): void {
  const logFd = openSync(node.logPath, 'a');
  try {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'server-start', node.propertiesPath], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    child.unref();
    node.pid = child.pid ?? 0;
  } finally {
    closeSync(logFd);
  }
}

/** Serving: the node answers Metadata on its client listener and lists the brokers `ids` (registered and unfenced), itself among them. */
async function waitUntilServing(node: DevClusterNode, ids: readonly number[]): Promise<void> {
  const deadline = Date.now() + SERVE_TIMEOUT_MS;
  const logStart = existsSync(node.logPath) ? statSync(node.logPath).size : 0;
  for (;;) {
    if (!isNodeRunning(node)) throw new ToolUsageError(`Node ${node.id} exited while starting; see ${node.logPath}:\n${logTail(node.logPath, logStart)}`);
    const client = new KafkaClient({ bootstrapServers: `${HOST}:${node.clientPort}`, clientId: 'freshet-dev-cluster', retries: 0, requestTimeoutMs: 2_000 });
    try {
      const cluster = await client.metadata([]);
      if (ids.every((id) => cluster.brokers.some((b) => b.nodeId === id))) return;
    } catch {
      // Not listening yet.
    } finally {
      client.close();
    }
    if (Date.now() >= deadline) throw new ToolUsageError(`Node ${node.id} did not serve within ${SERVE_TIMEOUT_MS} ms; see ${node.logPath}`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

async function stopProcess(node: DevClusterNode, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  process.kill(node.pid, signal);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isNodeRunning(node)) {
    if (Date.now() >= deadline) {
      process.kill(node.pid, 'SIGKILL');
      await new Promise((done) => setTimeout(done, POLL_MS));
      return;
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

function logTail(path: string, from: number): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').slice(from).split('\n').slice(-20).join('\n');
}
