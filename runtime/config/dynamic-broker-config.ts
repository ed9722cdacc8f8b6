import { ConfigResourceType, type MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { loadBrokerConfig, type BrokerConfig } from './broker-config.js';
import { brokerConfigDefinitions } from './broker-config-definitions.js';
import { ConfigError, parseConfigValue, type ConfigDefinition } from './config-definition.js';

/**
 * The broker keys an AlterConfigs / IncrementalAlterConfigs may change at run time: the ones
 * Kafka marks dynamic (DynamicBrokerConfig.AllDynamicConfigs) that Freshet applies without a
 * restart, plus Freshet's log levels. The topic-config defaults reach open partitions through
 * the replica manager's settings updates; Kafka's other dynamic keys (thread counts,
 * listeners) would need a restart here, so they are refused like read-only ones.
 */
export const dynamicBrokerConfigKeys: ReadonlySet<string> = new Set([
  // DynamicLogConfig: the broker synonyms of topic configs
  'log.segment.bytes',
  'log.roll.ms',
  'log.index.size.max.bytes',
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'log.retention.bytes',
  'log.retention.ms',
  'message.max.bytes',
  'log.index.interval.bytes',
  'log.cleaner.delete.retention.ms',
  'log.cleaner.min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms',
  'log.segment.delete.delay.ms',
  'log.cleaner.min.cleanable.ratio',
  'log.cleanup.policy',
  'min.insync.replicas',
  'compression.type',
  'log.message.timestamp.type',
  // DynamicProducerStateManagerConfig
  'producer.id.expiration.ms',
  // Freshet's log levels
  ...brokerConfigDefinitions.map((d) => d.key).filter((key) => key === 'log.level' || key.startsWith('log.level.')),
]);

/** A broker resource's dynamic configs in the image: `''` is the cluster-wide default, else a broker id. */
export function dynamicBrokerConfigs(image: MetadataImage, resourceName: string): ReadonlyMap<string, string> {
  return image.configs.get(`${ConfigResourceType.broker}/${resourceName}`) ?? new Map<string, string>();
}

/**
 * Why a dynamic broker config change is refused (Kafka answers INVALID_REQUEST with this
 * message), or undefined. `values` are the resource's dynamic configs after the change.
 */
export function dynamicBrokerConfigProblem(values: ReadonlyMap<string, string>): string | undefined {
  const readOnly = [...values.keys()].filter((name) => definitionsByKey.has(name) && !dynamicBrokerConfigKeys.has(name));
  // Kafka prints the names as a Scala Set.
  if (readOnly.length > 0) return `Cannot update these configs dynamically: Set(${readOnly.join(', ')})`;
  for (const [name, value] of values) {
    const definition = definitionsByKey.get(name);
    if (definition === undefined) continue;
    try {
      parseConfigValue(definition, value);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
  }
  return undefined;
}

const definitionsByKey = new Map<string, ConfigDefinition>(brokerConfigDefinitions.map((d) => [d.key, d]));
const effective = new WeakMap<BrokerConfig, { key: string; config: BrokerConfig }>();

/**
 * The node's configuration with the dynamic configs of the image applied, most specific
 * first: this broker's, then the cluster-wide default, then server.properties. Memoised per
 * static config, so callers may ask on every image change. `staticProperties` stays the file's.
 */
export function effectiveBrokerConfig(config: BrokerConfig, image: MetadataImage): BrokerConfig {
  const clusterDefault = dynamicBrokerConfigs(image, '');
  const broker = dynamicBrokerConfigs(image, String(config.nodeId));
  if (clusterDefault.size === 0 && broker.size === 0) return config;
  const key = JSON.stringify([[...clusterDefault], [...broker]]);
  const cached = effective.get(config);
  if (cached?.key === key) return cached.config;
  const dynamic = Object.fromEntries([...clusterDefault, ...broker].filter(([name]) => dynamicBrokerConfigKeys.has(name)));
  let result: BrokerConfig;
  try {
    result = { ...loadBrokerConfig({ ...config.staticProperties, ...dynamic }).config, staticProperties: config.staticProperties };
  } catch {
    // The controller validated the values before committing them: only a corrupt image gets here.
    result = config;
  }
  effective.set(config, { key, config: result });
  return result;
}
