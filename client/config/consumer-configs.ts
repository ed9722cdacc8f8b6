import { cooperativeStickyAssignor } from '../assignors/cooperative-sticky-assignor.js';
import type { PartitionAssignor } from '../assignors/partition-assignor.js';
import { rangeAssignor } from '../assignors/range-assignor.js';
import { roundRobinAssignor } from '../assignors/round-robin-assignor.js';
import { stickyAssignor } from '../assignors/sticky-assignor.js';
import { ConfigError } from '../client-error.js';
import { bytesDeserializer, isDeserializer, namedDeserializers, type Deserializer } from '../serialization.js';
import { commonClientConfigDefinitions } from './common-client-configs.js';
import { atLeast, booleanKey, classKey, intKey, oneOf, parseConfig, stringKey, type ConfigInput, type ConfigKey, type ConfigValues } from './config-definition.js';

const javaConsumer = 'org.apache.kafka.clients.consumer.';

/** The names `partition.assignment.strategy` takes: Kafka's class names, and the protocol names the assignors join with. */
const namedAssignors: Readonly<Record<string, PartitionAssignor>> = {
  [`${javaConsumer}RangeAssignor`]: rangeAssignor,
  [`${javaConsumer}RoundRobinAssignor`]: roundRobinAssignor,
  [`${javaConsumer}StickyAssignor`]: stickyAssignor,
  [`${javaConsumer}CooperativeStickyAssignor`]: cooperativeStickyAssignor,
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  sticky: stickyAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

const isAssignor = (raw: unknown): raw is PartitionAssignor =>
  typeof raw === 'object' && raw !== null && typeof (raw as PartitionAssignor).name === 'string' && typeof (raw as PartitionAssignor).assign === 'function';

/** A list of assignors, by name (comma-separated or an array) or as PartitionAssignor objects, in order of preference. */
const assignorsKey: ConfigKey<readonly PartitionAssignor[]> = {
  type: 'list',
  required: false,
  defaultValue: [rangeAssignor, cooperativeStickyAssignor],
  doc: 'The assignors this member supports, preferred first; the group uses the first one all members support. The rebalance is cooperative only when every one listed is.',
  validator: { check: (value) => (value.length > 0 ? undefined : 'Empty list not allowed'), describe: `non-empty list of ${Object.keys(namedAssignors).join(', ')} or PartitionAssignor objects` },
  parse: (raw) => {
    const items: unknown[] = typeof raw === 'string' ? raw.split(',').map((item) => item.trim()).filter((item) => item !== '') : Array.isArray(raw) ? raw : [raw];
    const assignors: PartitionAssignor[] = [];
    for (const item of items) {
      const assignor = typeof item === 'string' ? namedAssignors[item.trim()] : isAssignor(item) ? item : undefined;
      if (assignor === undefined) return { reason: `Class ${String(item)} cannot be found (known: ${Object.keys(namedAssignors).join(', ')})` };
      assignors.push(assignor);
    }
    return { value: assignors };
  },
};

/**
 * The consumer's keys (Kafka 4's ConsumerConfig) on top of the common ones.
 * `key.deserializer`/`value.deserializer` default to bytes here (Java
 * requires them); a Deserializer object types the consumer's records.
 */
export const consumerConfigDefinitions = {
  ...commonClientConfigDefinitions,
  'group.id': stringKey<string | null>(null, { doc: 'The consumer group this consumer joins with subscribe(), and whose offsets it commits; needed for subscribe() and commits.' }),
  'group.instance.id': stringKey<string | null>(null, {
    doc: 'Makes the member static (KIP-345): a restart within session.timeout.ms under the same id gets its partitions back without a rebalance, and close() does not leave the group.',
  }),
  'group.protocol': stringKey('classic', { doc: 'The group protocol: classic (JoinGroup/SyncGroup with client-side assignors) is the one this consumer speaks.', validator: oneOf('classic') }),
  'session.timeout.ms': intKey(45_000, { doc: 'A member whose heartbeats stop for this long is removed from the group and its partitions reassigned.', validator: atLeast(0) }),
  'heartbeat.interval.ms': intKey(3000, { doc: 'How often the member heartbeats; a timer does it, so user code between polls never delays it.', validator: atLeast(0) }),
  'max.poll.interval.ms': intKey(300_000, {
    doc: 'The longest time between poll() calls; past it the member leaves the group (its partitions move) and joins again at the next poll(). Also the rebalance timeout.',
    validator: atLeast(1),
  }),
  'max.poll.records': intKey(500, { doc: 'The most records one poll() returns.', validator: atLeast(1) }),
  'partition.assignment.strategy': assignorsKey,
  'enable.auto.commit': booleanKey(true, { doc: 'Commits the positions of the records poll() returned, every auto.commit.interval.ms (from poll), before partitions are revoked, and on close.' }),
  'auto.commit.interval.ms': intKey(5000, { doc: 'How often the positions are committed with enable.auto.commit.', validator: atLeast(0) }),
  'auto.offset.reset': stringKey<'earliest' | 'latest' | 'none'>('latest', {
    doc: 'Where a partition without a committed offset (or whose offset left the log) starts: earliest, latest, or none (poll() fails with NoOffsetForPartitionError).',
    validator: oneOf<'earliest' | 'latest' | 'none'>('earliest', 'latest', 'none'),
  }),
  'fetch.min.bytes': intKey(1, { doc: 'The broker answers a Fetch once it has this many bytes (or fetch.max.wait.ms passed).', validator: atLeast(0) }),
  'fetch.max.bytes': intKey(52_428_800, { doc: 'The most bytes one Fetch response carries (at least one batch is returned even if larger).', validator: atLeast(0) }),
  'fetch.max.wait.ms': intKey(500, { doc: 'How long the broker may hold a Fetch waiting for fetch.min.bytes.', validator: atLeast(0) }),
  'max.partition.fetch.bytes': intKey(1_048_576, { doc: 'The most bytes per partition in one Fetch response (at least one batch is returned even if larger).', validator: atLeast(0) }),
  'isolation.level': stringKey<'read_uncommitted' | 'read_committed'>('read_uncommitted', {
    doc: 'read_committed returns only committed transactional records (up to the last stable offset) and skips aborted ones.',
    validator: oneOf<'read_uncommitted' | 'read_committed'>('read_uncommitted', 'read_committed'),
  }),
  'client.rack': stringKey('', { doc: 'This consumer\'s rack, sent in Fetch (and the subscription) so a broker may point it at a replica in its rack (KIP-392).' }),
  'check.crcs': booleanKey(true, { doc: 'Checks the CRC of every record batch fetched.' }),
  'exclude.internal.topics': booleanKey(true, { doc: 'A pattern subscription never matches internal topics (__consumer_offsets).' }),
  'allow.auto.create.topics': booleanKey(true, { doc: 'Subscribing to a topic that does not exist lets the broker create it (if the broker allows).' }),
  'default.api.timeout.ms': intKey(60_000, { doc: 'The timeout of calls that take none: commitSync, committed, position, seekToBeginning/End resolution, close.', validator: atLeast(0) }),
  'key.deserializer': classKey<Deserializer<unknown>>(bytesDeserializer, { doc: 'Turns key bytes into keys.', named: namedDeserializers, accepts: isDeserializer }),
  'value.deserializer': classKey<Deserializer<unknown>>(bytesDeserializer, { doc: 'Turns value bytes into values.', named: namedDeserializers, accepts: isDeserializer }),
} as const;

export type ConsumerConfigDefinitions = typeof consumerConfigDefinitions;
export type ConsumerConfigInput = ConfigInput<ConsumerConfigDefinitions>;
export type ConsumerConfig = ConfigValues<ConsumerConfigDefinitions>;

/** Parses a consumer configuration, then Kafka's rules between keys (heartbeats more often than the session times out). */
export function parseConsumerConfig(input: ConsumerConfigInput | Readonly<Record<string, unknown>>): ConsumerConfig {
  const config = parseConfig(consumerConfigDefinitions, input);
  if (config['heartbeat.interval.ms'] >= config['session.timeout.ms']) {
    throw new ConfigError('heartbeat.interval.ms', config['heartbeat.interval.ms'], 'heartbeat.interval.ms must be set lower than session.timeout.ms');
  }
  return config;
}
