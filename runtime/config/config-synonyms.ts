import type { BrokerConfig } from './broker-config.js';
import { brokerConfigDefinitions } from './broker-config-definitions.js';

/** DescribeConfigs' ConfigSource. */
export const ConfigSource = { dynamicTopic: 1, dynamicBroker: 2, dynamicDefaultBroker: 3, staticBroker: 4, default: 5 } as const;

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
}

/** Where a broker key's value can come from, most specific first. */
export interface BrokerConfigLayers {
  readonly dynamicBroker: ReadonlyMap<string, string>;
  readonly dynamicDefault: ReadonlyMap<string, string>;
  readonly config: BrokerConfig;
}

/** Kafka's defaults as text; keys without a default are absent (Kafka drops null defaults too). */
const defaults = new Map(brokerConfigDefinitions.flatMap((d) => (d.defaultValue === null ? [] : [[d.key, d.defaultValue] as const])));

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set one value, most specific first. */
function brokerConfigSynonymNames(name: string): readonly string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

/**
 * Kafka's ConfigHelper.configSynonyms: every synonym found in each layer (dynamic per-broker,
 * dynamic cluster default, server.properties, defaults), layer by layer, then everything
 * before the first entry named `name` dropped. So `log.retention.ms` left at its default has
 * no synonyms at all: its default is derived from `log.retention.hours`, which is dropped.
 */
export function configSynonyms(name: string, layers: BrokerConfigLayers): ConfigSynonym[] {
  const names = brokerConfigSynonymNames(name);
  const all: ConfigSynonym[] = [];
  const add = (values: { get(key: string): string | undefined }, source: number): void => {
    for (const key of names) {
      const value = values.get(key);
      if (value !== undefined) all.push({ name: key, value, source });
    }
  };
  add(layers.dynamicBroker, ConfigSource.dynamicBroker);
  add(layers.dynamicDefault, ConfigSource.dynamicDefaultBroker);
  add({ get: (key) => layers.config.staticProperties[key] }, ConfigSource.staticBroker);
  add(defaults, ConfigSource.default);
  const first = all.findIndex((synonym) => synonym.name === name);
  return first < 0 ? [] : all.slice(first);
}
