import { startBrokerNode } from '../bench/e2e/broker-node.js';
import { liveBrokerIds, partitionInfo } from '../test/support/cluster-partitions.js';
import { startControllerQuorum } from '../test/support/controller-quorum.js';

/** What a load scenario runs against: one node, or a cluster of combined nodes (`nodes` > 1). */
export interface NodeUnderTest {
  readonly bootstrap: string;
  /** kill -9 and start again on the same data; on a cluster, the current leader of the first topic's partition 0. */
  restart(): Promise<void>;
  /** SIGSTOP/SIGCONT; on a cluster, to the partition leader too (a paused leader is what the ISR must survive). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** Why it stopped running, or null while it runs. */
  exited(): string | null;
  stop(): Promise<void>;
}

export async function startNodeUnderTest(options: { nodes: number; properties: string[]; logDir?: string; firstTopic: string }): Promise<NodeUnderTest> {
  if (options.nodes === 1) {
    const broker = await startBrokerNode({ properties: options.properties, ...(options.logDir === undefined ? {} : { logDir: options.logDir }) });
    return {
      bootstrap: broker.bootstrap,
      restart: () => broker.restart(),
      signal: (signal) => broker.running.process.kill(signal),
      exited: () => {
        const { exitCode, signalCode } = broker.running.process;
        return exitCode !== null || signalCode !== null ? String(exitCode ?? signalCode) : null;
      },
      stop: () => broker.stop(),
    };
  }
  const properties = Object.fromEntries(options.properties.map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]));
  const cluster = await startControllerQuorum({ controllers: options.nodes, combined: true, properties: { 'offsets.topic.replication.factor': Math.min(3, options.nodes), ...properties } });
  const bootstrap = cluster.bootstrapServers;
  // Topics are created next: every broker must be registered for replication factor 3.
  for (let i = 0; i < 300 && (await liveBrokerIds(bootstrap).catch(() => [])).length < options.nodes; i++) await new Promise((r) => setTimeout(r, 100));
  const leader = async () => {
    const info = await partitionInfo(bootstrap, options.firstTopic);
    if (info === undefined || info.leaderId < 0) throw new Error(`${options.firstTopic}-0 has no leader`);
    return cluster.node(info.leaderId);
  };
  let paused: number | null = null;
  return {
    bootstrap,
    restart: async () => {
      const node = await leader();
      await node.kill();
      // It comes back as a follower once another replica leads.
      for (let i = 0; i < 600 && (await partitionInfo(bootstrap, options.firstTopic).catch(() => undefined))?.leaderId === node.nodeId; i++) await new Promise((r) => setTimeout(r, 50));
      await node.start();
    },
    signal: (signal) => {
      if (signal === 'SIGCONT') {
        if (paused !== null) process.kill(paused, 'SIGCONT');
        paused = null;
        return;
      }
      void leader().then((node) => {
        paused = node.pid();
        process.kill(paused, 'SIGSTOP');
      });
    },
    exited: () => {
      const down = cluster.controllers.filter((n) => !n.running()).map((n) => n.nodeId);
      return down.length === 0 ? null : `nodes ${down.join(', ')} not running`;
    },
    stop: async () => {
      if (paused !== null) process.kill(paused, 'SIGCONT');
      await cluster.destroy();
    },
  };
}
