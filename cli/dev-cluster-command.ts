import { Command } from 'commander';
import { KafkaClientError } from '../client/client-error.js';
import { DEV_CLUSTER_USERS, defaultDevClusterLayout, tlsDir, isNodeRunning, readDevClusterState, signalDevClusterNode, startDevCluster, startDevClusterNode, stopDevCluster, type DevClusterLayout } from './dev-cluster.js';
import { collect, formatTable, parseInteger, parseKeyValues, printToolError } from './kafka-tool.js';
import { describeQuorum } from './metadata-quorum-command.js';
import { runAction } from './run-action.js';

interface DataDirOptions {
  dataDir: string;
}

interface StartOptions extends DataDirOptions {
  nodes: string;
  basePort: string;
  controllerBasePort: string;
  metricsBasePort: string;
  override: string[];
}

/** `freshet dev-cluster start|stop|status|stop-node|start-node|kill-node`: N combined nodes on 127.0.0.1 in the background. */
export function devClusterCommand(): Command {
  const command = new Command('dev-cluster').description('Run a local cluster of combined (broker,controller) nodes in the background');
  const dataDirOption = ['--data-dir <dir>', 'where the nodes keep their data, logs and pids', defaultDevClusterLayout.dataDir] as const;
  command
    .command('start')
    .description('Start N nodes; returns once every node serves and the quorum has a leader')
    .option('--nodes <n>', 'how many nodes', String(defaultDevClusterLayout.nodes))
    .option(...dataDirOption)
    .option('--base-port <port>', 'client listener of node 1; node i listens 3 ports further than node i-1', String(defaultDevClusterLayout.basePort))
    .option('--controller-base-port <port>', 'controller listener of node 1; node i uses the next port', String(defaultDevClusterLayout.controllerBasePort))
    .option('--metrics-base-port <port>', '/metrics port of node 1; node i uses the next port', String(defaultDevClusterLayout.metricsBasePort))
    .option('--override <key=value>', 'a server.properties entry for every node (repeatable)', collect, [])
    .action(
      toolAction(async (options: StartOptions) => {
        const layout: DevClusterLayout = {
          nodes: parseInteger(options.nodes, '--nodes', { min: 1 }),
          basePort: parseInteger(options.basePort, '--base-port', { min: 1 }),
          controllerBasePort: parseInteger(options.controllerBasePort, '--controller-base-port', { min: 1 }),
          metricsBasePort: parseInteger(options.metricsBasePort, '--metrics-base-port', { min: 0 }),
          dataDir: options.dataDir,
          overrides: Object.fromEntries(parseKeyValues(options.override, '--override')),
        };
        const startedMs = Date.now();
        const state = await startDevCluster(layout);
        process.stdout.write(`Started ${state.nodes.length} nodes of cluster ${state.clusterId} in ${Date.now() - startedMs} ms\n`);
        process.stdout.write(`bootstrap servers: ${state.nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(',')}\n`);
        process.stdout.write(`SSL: ${state.nodes.map((n) => `127.0.0.1:${n.sslPort}`).join(',')} (CA: ${tlsDir(options.dataDir)}/ca.pem)\n`);
        process.stdout.write(`SASL_PLAINTEXT: ${state.nodes.map((n) => `127.0.0.1:${n.saslPort}`).join(',')} (PLAIN users: ${Object.keys(DEV_CLUSTER_USERS).join(', ')})\n`);
      }),
    );
  command
    .command('stop')
    .description('Stop every node (SIGTERM: a controlled shutdown)')
    .option(...dataDirOption)
    .action(
      toolAction(async (options: DataDirOptions) => {
        const stopped = await stopDevCluster(options.dataDir);
        process.stdout.write(stopped.length === 0 ? 'No node was running\n' : `Stopped nodes ${stopped.map((n) => n.id).join(', ')}\n`);
      }),
    );
  command
    .command('status')
    .description('Each node: pid, running or stopped, listeners, log; and the quorum leader')
    .option(...dataDirOption)
    .action(
      toolAction(async (options: DataDirOptions) => {
        const state = readDevClusterState(options.dataDir);
        const rows = state.nodes.map((n) => [String(n.id), String(n.pid), isNodeRunning(n) ? 'running' : 'stopped', `127.0.0.1:${n.clientPort}`, `127.0.0.1:${n.controllerPort}`, n.logPath]);
        process.stdout.write(`ClusterId: ${state.clusterId}\n`);
        const running = state.nodes.filter(isNodeRunning);
        if (running.length > 0) {
          try {
            const quorum = await describeQuorum(running.map((n) => `127.0.0.1:${n.controllerPort}`).join(','));
            process.stdout.write(`QuorumLeader: ${quorum.partition.leaderId}\tLeaderEpoch: ${quorum.partition.leaderEpoch}\n`);
          } catch (error) {
            if (!(error instanceof KafkaClientError)) throw error;
            process.stdout.write(`QuorumLeader: none (${error.message})\n`);
          }
        }
        process.stdout.write(formatTable(['NODE', 'PID', 'STATUS', 'CLIENT-LISTENER', 'CONTROLLER-LISTENER', 'LOG'], rows));
      }),
    );
  const nodeVerb = (name: string, description: string, act: (dataDir: string, id: number) => Promise<unknown>, done: string): void => {
    command
      .command(name)
      .description(description)
      .argument('<id>', 'the node id')
      .option(...dataDirOption)
      .action(
        toolAction(async (id: string, options: DataDirOptions) => {
          const nodeId = parseInteger(id, '<id>', { min: 1 });
          await act(options.dataDir, nodeId);
          process.stdout.write(`Node ${nodeId} ${done}\n`);
        }),
      );
  };
  nodeVerb('stop-node', 'Stop one node with SIGTERM (a controlled shutdown)', (dir, id) => signalDevClusterNode(dir, id, 'SIGTERM'), 'stopped');
  nodeVerb('kill-node', 'Kill one node with SIGKILL (kill -9: a crash)', (dir, id) => signalDevClusterNode(dir, id, 'SIGKILL'), 'killed');
  nodeVerb('start-node', 'Start one stopped node; returns once it serves again', startDevClusterNode, 'serves');
  return command;
}

/** Usage mistakes, broker errors and bad configs print one line and exit 1. */
function toolAction<Args extends unknown[]>(action: (...args: Args) => Promise<void>) {
  return runAction(async (...args: Args): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      printToolError(error);
    }
  });
}
