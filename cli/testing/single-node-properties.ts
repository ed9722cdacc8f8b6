/**
 * server.properties of one combined-mode node (broker and one-voter controller)
 * on 127.0.0.1, as tests, benchmarks and load tests start it: the listeners on
 * the given free ports, data and metadata logs in the given dirs, internal
 * topics with a single replica.
 */
export type Properties = Record<string, string | number | boolean>;

export function singleNodeProperties(options: { port: number; controllerPort: number; logDir: string; metadataLogDir: string }): Properties {
  const host = '127.0.0.1';
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${options.controllerPort}`,
    listeners: `PLAINTEXT://${host}:${options.port},CONTROLLER://${host}:${options.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${options.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': options.logDir,
    'metadata.log.dir': options.metadataLogDir,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    // Tests read the node's output as an operator at a terminal does.
    'log.format': 'text',
  };
}

export function propertiesText(properties: Properties): string {
  return Object.entries(properties).map(([key, value]) => `${key}=${String(value)}`).join('\n') + '\n';
}
