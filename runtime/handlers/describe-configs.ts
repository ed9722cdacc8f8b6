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
import { ConfigSource, configSynonyms } from '../config/config-synonyms.js';
import { dynamicBrokerConfigKeys, dynamicBrokerConfigs, effectiveBrokerConfig } from '../config/dynamic-broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { ConfigValueType, topicConfigDefault, topicConfigDefinitions } from '../controller/topic-config-definitions.js';
import type { ApiHandler } from './registry.js';

const brokerTypes = { boolean: ConfigValueType.boolean, short: ConfigValueType.short, int: ConfigValueType.int, long: ConfigValueType.long, string: ConfigValueType.string, list: ConfigValueType.list } as const;
/** Kafka's ConfigType.PASSWORD, the type of a secret (its value is never sent). */
const PASSWORD_CONFIG_TYPE = 9;

/**
 * DescribeConfigs v0-4, as Kafka's ConfigHelper: topic configs with their effective values, the
 * source and synonyms of each (the topic override, then the broker synonyms: dynamic per-broker,
 * dynamic cluster default, server.properties, default); this broker's configs, read-only unless
 * dynamic; the cluster-wide default (empty name): its dynamic configs only.
 */
export function createDescribeConfigsHandler(config: BrokerConfig, metadata: ClusterMetadata): ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> {
  return {
    apiKey: ApiKey.DescribeConfigs,
    name: 'DescribeConfigs',
    minVersion: 0,
    maxVersion: 4,
    handle: (context, request) => {
      const version = context.apiVersion;
      const image = metadata.image();
      const layers = { dynamicBroker: dynamicBrokerConfigs(image, String(config.nodeId)), dynamicDefault: dynamicBrokerConfigs(image, ''), config: effectiveBrokerConfig(config, image) };
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
          if (!image.topicIdsByName.has(resource.resourceName)) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resource.resourceName} does not exist` };
          const overrides = image.configs.get(`${ConfigResourceType.topic}/${resource.resourceName}`);
          const configs = topicConfigDefinitions.filter((d) => wanted(d.name)).map((d) => {
            const override = overrides?.get(d.name);
            const synonyms = [
              ...(override === undefined ? [] : [{ name: d.name, value: override, source: ConfigSource.dynamicTopic }]),
              ...(d.brokerSynonym === undefined ? [] : configSynonyms(d.brokerSynonym, layers)),
            ];
            return entry(d.name, override ?? topicConfigDefault(layers.config, d), false, synonyms[0]?.source ?? ConfigSource.default, d.type, d.doc, synonyms);
          });
          return { ...base, errorCode: ErrorCode.NONE, configs };
        }
        if (resource.resourceType === ConfigResourceType.broker) {
          if (resource.resourceName !== '' && resource.resourceName !== String(config.nodeId)) {
            return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `This is broker ${config.nodeId}; ask broker ${resource.resourceName} for its configs` };
          }
          const perBroker = resource.resourceName !== '';
          const shown = perBroker ? brokerConfigDefinitions : brokerConfigDefinitions.filter((d) => layers.dynamicDefault.has(d.key));
          const configs = shown.filter((d) => wanted(d.key)).map((d) => {
            // The cluster-wide default shows only what was set at that level.
            const synonyms = configSynonyms(d.key, layers).filter((s) => perBroker || s.source === ConfigSource.dynamicDefaultBroker);
            const value = perBroker ? (layers.config.texts[d.key] ?? null) : layers.dynamicDefault.get(d.key)!;
            if ('sensitive' in d && d.sensitive) {
              // Kafka never sends a password's value, in the entry or its synonyms.
              const hidden = entry(d.key, null, !dynamicBrokerConfigKeys.has(d.key), synonyms[0]?.source ?? ConfigSource.default, PASSWORD_CONFIG_TYPE, d.doc, synonyms.map((s) => ({ ...s, value: null })));
              return { ...hidden, isSensitive: true };
            }
            return entry(d.key, value, !dynamicBrokerConfigKeys.has(d.key), synonyms[0]?.source ?? ConfigSource.default, brokerTypes[d.type], d.doc, synonyms);
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
