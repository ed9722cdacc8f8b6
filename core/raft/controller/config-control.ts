import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponse,
} from '../../protocol/generated/messages/incremental-alter-configs.js';
import type { ControllerResult, ControllerState } from './controller-state.js';
import { ConfigResourceType } from '../metadata/metadata-image.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';

/** IncrementalAlterConfigs' OpType. */
export const ConfigOperation = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/** The config tables the controller checks changes against (the broker's, in runtime/controller/config-rules.ts). */
export interface ConfigRules {
  /** Whether a topic config is a list; undefined for a name that is not a topic config. */
  topicConfigIsList(name: string): boolean | undefined;
  /** Why a topic config's value is refused, or undefined. */
  topicConfigProblem(name: string, value: string): string | undefined;
  /** Whether a broker config is a list. */
  brokerConfigIsList(name: string): boolean;
  /** Why these dynamic broker configs (name to value, the ones set) are refused, or undefined. */
  dynamicBrokerConfigProblem(changed: ReadonlyMap<string, string>): string | undefined;
}

/**
 * IncrementalAlterConfigs on the controller: each resource on its own, all of its changes valid
 * or none applied. Topic configs are checked by name and value (INVALID_CONFIG); APPEND and
 * SUBTRACT work on list configs starting from the current value. Broker configs (a broker id,
 * or '' for the cluster-wide default) are Kafka's dynamic broker configs: read-only keys and bad
 * values are refused with INVALID_REQUEST, as Kafka does; unknown names are kept, as Kafka does.
 */
export function incrementalAlterConfigs(state: ControllerState, request: IncrementalAlterConfigsRequest, rules: ConfigRules): ControllerResult<IncrementalAlterConfigsResponse> {
  const records: MetadataRecord[] = [];
  const responses = request.resources.map((resource): IncrementalAlterConfigsResponseAlterConfigsResourceResponse => {
    const answer = (errorCode: number, errorMessage: string | null = null) => ({ errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName });
    const isBroker = resource.resourceType === ConfigResourceType.broker;
    if (isBroker) {
      if (resource.resourceName !== '' && !/^\d+$/.test(resource.resourceName)) return answer(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resource.resourceName}`);
    } else if (resource.resourceType !== ConfigResourceType.topic) {
      return answer(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resource.resourceType}`);
    } else if (!state.image.topicIdsByName.has(resource.resourceName)) {
      return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resource.resourceName} does not exist`);
    }
    const names = resource.configs.map((c) => c.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) return answer(ErrorCode.INVALID_REQUEST, `Config ${duplicate} appears more than once`);
    const current = state.image.configs.get(`${resource.resourceType}/${resource.resourceName}`) ?? new Map<string, string>();
    const changed = new Map<string, string>();
    const changes: MetadataRecord[] = [];
    for (const config of resource.configs) {
      const isList = isBroker ? rules.brokerConfigIsList(config.name) : rules.topicConfigIsList(config.name);
      if (isList === undefined) return answer(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${config.name}`);
      let value: string | null;
      switch (config.configOperation) {
        case ConfigOperation.set:
          if (isBroker && config.value === null) return answer(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${config.name}`);
          value = config.value;
          break;
        case ConfigOperation.delete:
          value = null;
          break;
        case ConfigOperation.append:
        case ConfigOperation.subtract: {
          if (!isList) return answer(isBroker ? ErrorCode.INVALID_REQUEST : ErrorCode.INVALID_CONFIG, `${config.name} is not a list: APPEND and SUBTRACT do not apply`);
          const items = (current.get(config.name) ?? '').split(',').filter((s) => s !== '');
          const given = (config.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
          const next = config.configOperation === ConfigOperation.append ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
          value = next.length === 0 ? null : next.join(',');
          break;
        }
        default:
          return answer(ErrorCode.INVALID_REQUEST, `Unknown config operation ${config.configOperation}`);
      }
      if (value !== null && !isBroker) {
        const problem = rules.topicConfigProblem(config.name, value);
        if (problem !== undefined) return answer(ErrorCode.INVALID_CONFIG, problem);
      }
      if (value !== null) changed.set(config.name, value);
      changes.push({ type: MetadataRecordType.ConfigRecord, value: { resourceType: resource.resourceType, resourceName: resource.resourceName, name: config.name, value } });
    }
    if (isBroker) {
      const problem = rules.dynamicBrokerConfigProblem(changed);
      if (problem !== undefined) return answer(ErrorCode.INVALID_REQUEST, problem);
    }
    if (!request.validateOnly) records.push(...changes);
    return answer(ErrorCode.NONE);
  });
  return { records, response: { throttleTimeMs: 0, responses } };
}
