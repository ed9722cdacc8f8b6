import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, runFreshet, startFreshet, type RunningFreshet } from '../../cli/testing/freshet-process.js';
import { randomKafkaUuid } from '../../runtime/storage/kafka-uuid.js';
import { propertiesText, singleNodeProperties, type Properties } from '../../cli/testing/single-node-properties.js';

/**
 * A single combined-mode Freshet node started as a user starts it: the CLI in
 * a child process (`server-start <props> --format-if-needed`), free ports on
 * 127.0.0.1 and a temp data dir. Restartable on the same dir and ports.
 */
export interface FreshetNode {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly metricsPort: number;
  /** The port of each of `extraListeners`, by name. */
  readonly listenerPorts: Readonly<Record<string, number>>;
  readonly dataDir: string;
  /** The (single) entry of log.dirs. */
  readonly logDir: string;
  readonly propertiesPath: string;
  /** Creates a topic through the Kafka admin API (kafkajs) and waits for its leaders. */
  createTopic(name: string, partitions: number, configs?: Record<string, string>): Promise<void>;
  /** The child process of the current run. */
  process(): RunningFreshet;
  /** Everything the current run printed. */
  output(): string;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM and wait: a clean shutdown (exit code returned). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<number | null>;
  /** Starts again on the same dir and ports (after stop or kill). */
  restart(): Promise<void>;
  /** Stops (if running) and deletes the data dir. */
  destroy(): Promise<void>;
}

export interface FreshetNodeOptions {
  /** Extra or overriding server.properties entries. */
  readonly properties?: Properties;
  /** How long to wait for the "started" line. */
  readonly startTimeoutMs?: number;
  /** log.dirs somewhere else than the temp data dir (a small tmpfs, to fill the disk); the metadata log stays in the data dir. */
  readonly logDir?: string;
  /** Listeners beside PLAINTEXT and CONTROLLER (on free ports, advertised), as name → security protocol. */
  readonly extraListeners?: Readonly<Record<string, string>>;
  /** Extra `storage format` arguments (e.g. --add-scram): the node is formatted with them before its first start. */
  readonly formatArgs?: readonly string[];
}

export async function startFreshetNode(options: FreshetNodeOptions = {}): Promise<FreshetNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-node-'));
  const [port, controllerPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const host = '127.0.0.1';
  const logDir = options.logDir ?? join(dataDir, 'logs');
  const base = singleNodeProperties({ port, controllerPort, logDir, metadataLogDir: join(dataDir, 'metadata') });
  const listenerPorts: Record<string, number> = {};
  for (const [name, protocol] of Object.entries(options.extraListeners ?? {})) {
    listenerPorts[name] = await freePort();
    base.listeners += `,${name}://${host}:${listenerPorts[name]}`;
    base['advertised.listeners'] += `,${name}://${host}:${listenerPorts[name]}`;
    base['listener.security.protocol.map'] += `,${name}:${protocol}`;
  }
  const properties: Properties = {
    ...base,
    'num.io.threads': 2,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'group.initial.rebalance.delay.ms': 0,
    'metrics.host': host,
    'metrics.port': metricsPort,
    ...options.properties,
  };
  const propertiesPath = join(dataDir, 'server.properties');
  writeFileSync(propertiesPath, propertiesText(properties));
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  if (options.formatArgs !== undefined) {
    const formatted = await runFreshet(['storage', 'format', '-t', randomKafkaUuid(), '-c', propertiesPath, ...options.formatArgs]);
    if (formatted.code !== 0) throw new Error(`storage format failed: ${formatted.stderr}`);
  }

  let current: RunningFreshet;
  const launch = async (): Promise<void> => {
    current = startFreshet(['server-start', propertiesPath, '--format-if-needed']);
    try {
      await current.waitForLine(/Freshet node \d+ started/, startTimeoutMs);
    } catch (error) {
      await current.stop('SIGKILL');
      throw error;
    }
  };
  await launch();
  const node: FreshetNode = {
    bootstrap: `${host}:${port}`,
    host,
    port,
    controllerPort,
    metricsPort,
    listenerPorts,
    dataDir,
    logDir,
    propertiesPath,
    createTopic: async (name, partitions, configs = {}) => {
      const admin = new Kafka({ clientId: 'freshet-node-admin', brokers: [`${host}:${port}`], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const created = await admin.createTopics({
          topics: [{ topic: name, numPartitions: partitions, configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
          waitForLeaders: true,
        });
        if (!created) throw new Error(`topic ${name} already exists`);
      } finally {
        await admin.disconnect();
      }
    },
    process: () => current,
    output: () => current.output(),
    metrics: async () => {
      const response = await fetch(`http://${host}:${metricsPort}/metrics`);
      return response.text();
    },
    stop: () => current.stop('SIGTERM'),
    kill: () => current.stop('SIGKILL'),
    restart: launch,
    destroy: async () => {
      await current.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return node;
}

/** The value of one sample of a Prometheus text exposition (`name{labels} value`), or 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricSample(text, name, labels) ?? 0;
}

/** The value of one sample of a Prometheus text exposition, or undefined when there is none. */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!wanted.every((pair) => labelText.split(',').includes(pair))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** A temp dir with a tmpfs on it, for a log dir that fills up; `skipReason` is null once mounted. */
export interface TmpfsDir {
  readonly dir: string;
  readonly skipReason: string | null;
}

/**
 * Mounts a tmpfs of `size` (e.g. '2m') on a fresh temp dir (root only). When
 * that is impossible it says why on stderr, removes the dir and returns the
 * reason, for `describe.skipIf`.
 */
export function mountTmpfsDir(testName: string, size: string): TmpfsDir {
  const dir = mkdtempSync(join(tmpdir(), `freshet-${testName}-`));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, skipReason: null };
  } catch (error) {
    const skipReason = String(error).split('\n')[0]!;
    console.warn(`${testName}: skipped, cannot mount a tmpfs as the log dir (${skipReason})`);
    rmSync(dir, { recursive: true, force: true });
    return { dir, skipReason };
  }
}
