import { KafkaClient } from '../../client/kafka-client.js';
import type { Broker } from '../broker.js';
import type { Logger } from '../logger.js';
import { ConsoleData, type ConsoleNode } from './console-data.js';
import { consoleRoutes } from './console-http.js';
import { ConsoleSeries } from './console-series.js';

export interface RunningConsole {
  readonly url: string;
  stop(): void;
}

/**
 * Serves the web console on the broker's metrics port (`console.enable`),
 * reading the cluster through a Kafka client connected to this node's own
 * broker listener: the same admin path as the CLI. Null when off, or when
 * the node has no metrics port or broker listener.
 */
export function startConsole(broker: Broker, node: Omit<ConsoleNode, 'nodeId' | 'partitionDir'>, log: Logger): RunningConsole | null {
  const { config } = broker;
  const http = broker.metricsHttp;
  const listener = broker.advertisedListeners.find((endpoint) => !config.controllerListenerNames.includes(endpoint.listenerName));
  if (!config.values['console.enable'] || http === null || listener === undefined || broker.replicaManager === null) return null;
  const replicas = broker.replicaManager;
  const client = new KafkaClient({ bootstrapServers: `${listener.host === '' ? '127.0.0.1' : listener.host}:${listener.port}`, clientId: 'freshet-console', retries: 2 });
  const data = new ConsoleData(client, {
    ...node,
    nodeId: config.nodeId,
    partitionDir: (topic, partition) => {
      const local = replicas.localReplica(topic, partition);
      return local === undefined ? undefined : `${local.logDir}/${topic}-${partition}`;
    },
  });
  const onError = (error: unknown): void => log.warn(`console: ${String(error)}`);
  const series = new ConsoleSeries(data, broker.metrics, onError);
  http.use(consoleRoutes({ data, series, readOnly: config.values['console.read.only'], onError }));
  const url = `http://${config.values['metrics.host']}:${http.port}/`;
  log.info(`Console on ${url}${config.values['console.read.only'] ? ' (read-only)' : ''}`);
  return {
    url,
    stop: () => {
      series.stop();
      client.close();
    },
  };
}
