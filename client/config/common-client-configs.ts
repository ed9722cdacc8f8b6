import type { KafkaClientOptions } from '../kafka-client.js';
import { atLeast, listKey, longKey, intKey, nonEmptyList, oneOfIgnoringCase, required, stringKey, type ConfigValues } from './config-definition.js';

/**
 * The keys every client (producer, consumer, admin) shares, with the Java
 * client's defaults in Kafka 4 (CommonClientConfigs). A client's own table
 * spreads this one and may override a default (Kafka's admin has
 * `connections.max.idle.ms` 300000, the producer and consumer 540000).
 */
export const commonClientConfigDefinitions = {
  'bootstrap.servers': required(
    listKey(undefined, {
      doc: 'host:port pairs used to find the cluster at first (and again when every known broker fails); the rest is learned from metadata.',
      validator: nonEmptyList(),
    }),
  ),
  'client.id': stringKey('', { doc: 'Sent with every request so broker logs, metrics and quotas can tell this client apart.' }),
  'request.timeout.ms': intKey(30_000, {
    doc: 'How long the client waits for a response before failing the request (and closing that connection); retried when retries remain.',
    validator: atLeast(0),
  }),
  'retry.backoff.ms': longKey(100, { doc: 'The first wait before retrying a failed request; doubled per attempt up to retry.backoff.max.ms, with 20% jitter.', validator: atLeast(0) }),
  'retry.backoff.max.ms': longKey(1000, { doc: 'The longest wait between retries of a failed request.', validator: atLeast(0) }),
  'reconnect.backoff.ms': longKey(50, { doc: 'The first wait before reconnecting to a broker; doubled per failed attempt up to reconnect.backoff.max.ms, with 20% jitter.', validator: atLeast(0) }),
  'reconnect.backoff.max.ms': longKey(1000, { doc: 'The longest wait before reconnecting to a broker that keeps failing.', validator: atLeast(0) }),
  'socket.connection.setup.timeout.ms': longKey(10_000, { doc: 'How long a connection attempt may take before it is abandoned.', validator: atLeast(0) }),
  'metadata.max.age.ms': longKey(300_000, { doc: 'Metadata is refreshed at least this often, even without errors, to see new partitions and leaders.', validator: atLeast(0) }),
  'connections.max.idle.ms': longKey(540_000, { doc: 'A connection idle this long is closed.', validator: atLeast(0) }),
  'security.protocol': stringKey('PLAINTEXT', {
    doc: 'The protocol spoken to brokers; this client speaks PLAINTEXT only.',
    validator: oneOfIgnoringCase('PLAINTEXT'),
  }),
} as const;

export type CommonClientConfig = ConfigValues<typeof commonClientConfigDefinitions>;

/** The KafkaClient options for a parsed client configuration (any table spreading the common one); `metadata.max.age.ms` is for the producer's and consumer's own metadata. */
export function kafkaClientOptions(config: CommonClientConfig, retries: number): KafkaClientOptions {
  return {
    bootstrapServers: config['bootstrap.servers'],
    clientId: config['client.id'],
    requestTimeoutMs: config['request.timeout.ms'],
    retries,
    retryBackoffMs: config['retry.backoff.ms'],
    retryBackoffMaxMs: config['retry.backoff.max.ms'],
    reconnectBackoffMs: config['reconnect.backoff.ms'],
    reconnectBackoffMaxMs: config['reconnect.backoff.max.ms'],
    connectionSetupTimeoutMs: config['socket.connection.setup.timeout.ms'],
    connectionsMaxIdleMs: config['connections.max.idle.ms'],
  };
}
