import { Command } from 'commander';
import { readBrokerConfigFile } from '../runtime/config/broker-config.js';
import { brokerConfigDefinitions } from '../runtime/config/broker-config-definitions.js';
import { ConfigError } from '../runtime/config/config-definition.js';
import { followLogLevels, logFormat, logLevels } from '../runtime/log-settings.js';
import { createNodeLogger, type NodeLogger } from '../runtime/logger.js';
import { FreshetNode } from '../runtime/node.js';
import { formatStorageIfNeeded } from '../runtime/storage/storage-format.js';
import { printWarnings, runAction } from './run-action.js';

interface ServerStartOptions {
  override: string[];
  formatIfNeeded: boolean;
}

/** `freshet server-start <server.properties>`, as Kafka's kafka-server-start. */
export function serverStartCommand(): Command {
  return new Command('server-start')
    .description('Start a node (broker, controller or both) from a server.properties file')
    .argument('<server.properties>', 'the node configuration (Kafka keys, see below)')
    .option('--override <key=value>', 'override a property of the file (repeatable)', collect, [])
    .option('--format-if-needed', 'format unformatted log dirs first, printing the cluster id (first start)', false)
    .addHelpText('after', configKeysHelp)
    .action(
      runAction(async (path: string, options: ServerStartOptions) => {
        const { config, warnings } = readBrokerConfigFile(path, parseOverrides(options.override));
        const log = createNodeLogger({ nodeId: config.nodeId, format: logFormat(config), levels: logLevels(config) });
        log.info(`Freshet starting on Node ${process.version}`);
        printWarnings(warnings);
        if (options.formatIfNeeded) {
          const { clusterId, formattedDirs } = formatStorageIfNeeded(config);
          for (const dir of formattedDirs) log.info(`Formatted ${dir} with cluster.id ${clusterId}`);
        }
        const node = FreshetNode.start({ config, log });
        stopOnSignals(node, log);
        followLogLevels(log, config, (await node).metadata);
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseOverrides(overrides: readonly string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const override of overrides) {
    const at = override.indexOf('=');
    if (at <= 0) throw new ConfigError(`Invalid --override ${JSON.stringify(override)}: expected key=value`);
    properties[override.slice(0, at)] = override.slice(at + 1);
  }
  return properties;
}

/**
 * SIGINT/SIGTERM stop the node cleanly (also while it is still starting);
 * a second signal exits at once.
 */
function stopOnSignals(starting: Promise<FreshetNode>, log: NodeLogger): void {
  let stopping = false;
  // The log is asynchronous: what it still holds is written before the process goes.
  const exit = (code: number): never => {
    try {
      log.flush();
    } finally {
      process.exit(code);
    }
  };
  const stop = (signal: string): void => {
    if (stopping) exit(130);
    stopping = true;
    log.info(`Received ${signal}, shutting down`);
    starting.then((node) => node.stop()).then(
      () => exit(0),
      (error: unknown) => {
        log.error('Shutdown failed', error);
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function configKeysHelp(): string {
  const rows = brokerConfigDefinitions.map(
    (d) => `  ${d.key.padEnd(42)} ${d.type.padEnd(7)} ${(d.defaultValue ?? '(none)').padEnd(20)} ${d.doc}`,
  );
  return `\nConfiguration keys (key, type, default, meaning):\n${rows.join('\n')}\n`;
}
