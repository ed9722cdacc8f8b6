import { KafkaClient } from '../../client/kafka-client.js';
import type { BrokerConfig, Endpoint } from '../config/broker-config.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { MetricsServer } from '../metrics/metrics-server.js';
import { ConsoleData, type ConsoleNode } from './console-data.js';
import { consoleRoutes } from './console-http.js';
import { ConsoleSeries } from './console-series.js';

export interface ConsoleOptions {
  readonly config: BrokerConfig;
  readonly http: MetricsServer;
  readonly metrics: BrokerMetrics;
  /** This node's broker listener, as clients reach it. */
  readonly listener: Endpoint;
  readonly node: Omit<ConsoleNode, 'nodeId'>;
  readonly log: Logger;
}

export interface RunningConsole {
  readonly url: string;
  stop(): void;
}

/**
 * Serves the web console on the node's metrics port, reading the cluster
 * through a Kafka client connected to this node's own broker listener: the
 * same admin path as the CLI.
 */
export function startConsole(options: ConsoleOptions): RunningConsole {
  const { config, http, listener, log } = options;
  const bootstrap = `${listener.host === '' ? '127.0.0.1' : listener.host}:${listener.port}`;
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'freshet-console', retries: 2 });
  const data = new ConsoleData(client, bootstrap, { ...options.node, nodeId: config.nodeId });
  const onError = (error: unknown): void => log.warn(`console: ${String(error)}`);
  const series = new ConsoleSeries(data, options.metrics, onError);
  // The console reads as this node; its writes would bypass the ACLs a user is held to, until it can act as the user's principal.
  const readOnly = config.values['console.read.only']
    ? 'the console is read-only (console.read.only=true)'
    : config.values['authorizer.class.name'] !== ''
      ? 'the console is read-only while an authorizer is configured (authorizer.class.name): it cannot yet act with a user\'s permissions'
      : null;
  http.use(consoleRoutes({ data, series, readOnly, onError }));
  const url = `http://${config.values['metrics.host']}:${http.port}/`;
  log.info(`Console on ${url}${readOnly === null ? '' : ' (read-only)'}`);
  if (readOnly !== null && !config.values['console.read.only']) log.warn(`console.read.only=false is ignored: ${readOnly}`);
  return {
    url,
    stop: () => {
      series.stop();
      client.close();
    },
  };
}
