import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../runtime/broker.js';
import { loadBrokerConfig } from '../../runtime/config/broker-config.js';
import { createMemoryLogger } from '../../runtime/logger.js';
import { formatStorageIfNeeded } from '../../runtime/storage/storage-format.js';
import { LocalClusterMetadata } from './local-cluster-metadata.js';

/**
 * TEST CODE ONLY: the real Broker (listeners, handlers, partition actors on
 * io threads) in this process, over real sockets, with a quorum-less
 * LocalClusterMetadata: for real-client tests of the data path that need no
 * restart. Tests of restarts and crashes use `startFreshetNode` (the CLI).
 */
export interface InProcessBroker {
  readonly broker: Broker;
  readonly metadata: LocalClusterMetadata;
  readonly bootstrap: string;
  readonly port: number;
  readonly logDir: string;
  createTopic(name: string, partitions: number, configs?: Record<string, string>): Promise<string>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startInProcessBroker(properties: Record<string, string> = {}): Promise<InProcessBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-broker-'));
  const logDir = join(dir, 'logs');
  const { config } = loadBrokerConfig({
    'process.roles': 'broker',
    'node.id': '1',
    'controller.quorum.voters': '1@127.0.0.1:1',
    'controller.listener.names': 'CONTROLLER',
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'advertised.listeners': 'PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'metadata.log.dir': join(dir, 'metadata'),
    'num.io.threads': '2',
    'metrics.port': '0',
    'offsets.topic.num.partitions': '2',
    'offsets.topic.replication.factor': '1',
    'group.initial.rebalance.delay.ms': '0',
    ...properties,
  });
  formatStorageIfNeeded(config);
  const metadata = new LocalClusterMetadata(1);
  const broker = await Broker.start({ config, log: createMemoryLogger(), metadata, processMetrics: false });
  const port = broker.endpoints[0]!.port;
  return {
    broker,
    metadata,
    bootstrap: `127.0.0.1:${port}`,
    port,
    logDir,
    createTopic: (name, partitions, configs) => metadata.createTopic(name, partitions, configs),
    metrics: () => broker.metrics.text(),
    stop: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
