import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
  DescribeConfigsResponseDescribeConfigsSynonym,
} from '../../core/protocol/generated/messages/describe-configs.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { brokerConfigDefinitions } from '../config/broker-config-definitions.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { brokerConfigText, ConfigValueType, topicConfigDefault, topicConfigDefinitions, type TopicConfigDefinition } from '../controller/topic-config-definitions.js';
import type { ApiHandler } from './registry.js';

/** DescribeConfigs' ConfigSource. */
export const ConfigSource = { dynamicTopic: 1, dynamicBroker: 2, dynamicDefaultBroker: 3, staticBroker: 4, default: 5 } as const;

const brokerTypes = { boolean: ConfigValueType.boolean, short: ConfigValueType.short, int: ConfigValueType.int, long: ConfigValueType.long, string: ConfigValueType.string, list: ConfigValueType.list } as const;
const brokerDefaults = new Map<string, string | null>(brokerConfigDefinitions.map((d) => [d.key, d.defaultValue]));
/** Derived broker values compared against the default Kafka derives. */
const derivedDefaults: Record<string, string> = { 'log.retention.ms': '604800000', 'log.roll.ms': '604800000' };

/**
 * DescribeConfigs v0-4: topic configs with Kafka's defaults and sources (DYNAMIC_TOPIC_CONFIG
 * for overrides, STATIC_BROKER_CONFIG when server.properties changed the broker synonym,
 * DEFAULT_CONFIG otherwise), synonyms and documentation on request; this broker's static configs.
 */
export function createDescribeConfigsHandler(config: BrokerConfig, metadata: ClusterMetadata): ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> {
  return {
    apiKey: ApiKey.DescribeConfigs,
    name: 'DescribeConfigs',
    minVersion: 0,
    maxVersion: 4,
    handle: (context, request) => {
      const version = context.apiVersion;
      const results = request.resources.map((resource): DescribeConfigsResponseDescribeConfigsResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName, errorMessage: null, configs: [] };
        const wanted = (name: string): boolean => resource.configurationKeys === null || resource.configurationKeys.length === 0 || resource.configurationKeys.includes(name);
        const entry = (name: string, value: string | null, readOnly: boolean, source: number, type: number, doc: string, synonyms: DescribeConfigsResponseDescribeConfigsSynonym[]): DescribeConfigsResponseDescribeConfigsResourceResult => ({
          name,
          value,
          readOnly,
          isDefault: version === 0 && source === ConfigSource.default,
          configSource: version === 0 ? -1 : source,
          isSensitive: false,
          synonyms: version >= 1 && request.includeSynonyms ? synonyms : [],
          configType: version >= 3 ? type : 0,
          documentation: version >= 3 && request.includeDocumentation ? doc : null,
        });
        if (resource.resourceType === ConfigResourceType.topic) {
          const image = metadata.image();
          if (!image.topicIdsByName.has(resource.resourceName)) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resource.resourceName} does not exist` };
          const overrides = image.configs.get(`${ConfigResourceType.topic}/${resource.resourceName}`);
          const configs = topicConfigDefinitions.filter((d) => wanted(d.name)).map((d) => {
            const synonyms = topicSynonyms(config, d, overrides?.get(d.name));
            const first = synonyms[0]!;
            return entry(d.name, first.value, false, first.source, d.type, d.doc, synonyms);
          });
          return { ...base, errorCode: ErrorCode.NONE, configs };
        }
        if (resource.resourceType === ConfigResourceType.broker) {
          if (resource.resourceName !== '' && resource.resourceName !== String(config.nodeId)) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `This is broker ${config.nodeId}; ask broker ${resource.resourceName} for its configs` };
          }
          const configs = brokerConfigDefinitions.filter((d) => wanted(d.key)).map((d) => {
            const value = brokerConfigText((config.values as Record<string, unknown>)[d.key]);
            const source = value === d.defaultValue ? ConfigSource.default : ConfigSource.staticBroker;
            return entry(d.key, value, true, source, brokerTypes[d.type], d.doc, [{ name: d.key, value, source }]);
          });
          return { ...base, errorCode: ErrorCode.NONE, configs };
        }
        return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resource.resourceType}` };
      });
      return { throttleTimeMs: 0, results };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      results: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
    }),
  };
}

/** Kafka's synonym chain, most specific first: the topic override, the broker's static value, the default. */
function topicSynonyms(config: BrokerConfig, definition: TopicConfigDefinition, override: string | undefined): DescribeConfigsResponseDescribeConfigsSynonym[] {
  const synonyms: DescribeConfigsResponseDescribeConfigsSynonym[] = [];
  if (override !== undefined) synonyms.push({ name: definition.name, value: override, source: ConfigSource.dynamicTopic });
  const key = definition.brokerSynonym;
  const brokerValue = topicConfigDefault(config, definition);
  if (key === undefined) {
    synonyms.push({ name: definition.name, value: definition.defaultValue, source: ConfigSource.default });
    return synonyms;
  }
  const kafkaDefault = derivedDefaults[key] ?? brokerDefaults.get(key) ?? definition.defaultValue;
  if (brokerValue !== kafkaDefault) synonyms.push({ name: key, value: brokerValue, source: ConfigSource.staticBroker });
  synonyms.push({ name: key, value: kafkaDefault, source: ConfigSource.default });
  return synonyms;
}
