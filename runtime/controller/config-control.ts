import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponse,
} from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { ControllerResult, ControllerState } from '../../core/raft/controller/controller-state.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import type { MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { ConfigValueType, topicConfigDefinition, topicConfigProblem } from './topic-config-definitions.js';

/** IncrementalAlterConfigs' OpType. */
export const ConfigOperation = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/**
 * IncrementalAlterConfigs on the controller: each resource on its own, all of its changes valid
 * or none applied. Topic configs are checked by name and value (INVALID_CONFIG); APPEND and
 * SUBTRACT work on list configs starting from the current value. Dynamic broker configs are
 * refused: nothing would apply them.
 */
export function incrementalAlterConfigs(state: ControllerState, request: IncrementalAlterConfigsRequest): ControllerResult<IncrementalAlterConfigsResponse> {
  const records: MetadataRecord[] = [];
  const responses = request.resources.map((resource): IncrementalAlterConfigsResponseAlterConfigsResourceResponse => {
    const answer = (errorCode: number, errorMessage: string | null = null) => ({ errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName });
    if (resource.resourceType === ConfigResourceType.broker) return answer(ErrorCode.INVALID_REQUEST, 'Dynamic broker configs are not supported; set them in server.properties');
    if (resource.resourceType !== ConfigResourceType.topic) return answer(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resource.resourceType}`);
    if (!state.image.topicIdsByName.has(resource.resourceName)) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resource.resourceName} does not exist`);
    const names = resource.configs.map((c) => c.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) return answer(ErrorCode.INVALID_REQUEST, `Config ${duplicate} appears more than once`);
    const current = state.image.configs.get(`${ConfigResourceType.topic}/${resource.resourceName}`) ?? new Map<string, string>();
    const changes: MetadataRecord[] = [];
    for (const config of resource.configs) {
      const definition = topicConfigDefinition(config.name);
      if (definition === undefined) return answer(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${config.name}`);
      let value: string | null;
      switch (config.configOperation) {
        case ConfigOperation.set:
          value = config.value;
          break;
        case ConfigOperation.delete:
          value = null;
          break;
        case ConfigOperation.append:
        case ConfigOperation.subtract: {
          if (definition.type !== ConfigValueType.list) return answer(ErrorCode.INVALID_CONFIG, `${config.name} is not a list: APPEND and SUBTRACT do not apply`);
          const items = (current.get(config.name) ?? '').split(',').filter((s) => s !== '');
          const given = (config.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
          const next = config.configOperation === ConfigOperation.append ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
          value = next.length === 0 ? null : next.join(',');
          break;
        }
        default:
          return answer(ErrorCode.INVALID_REQUEST, `Unknown config operation ${config.configOperation}`);
      }
      if (value !== null) {
        const problem = topicConfigProblem(config.name, value);
        if (problem !== undefined) return answer(ErrorCode.INVALID_CONFIG, problem);
      }
      changes.push({ type: MetadataRecordType.ConfigRecord, value: { resourceType: ConfigResourceType.topic, resourceName: resource.resourceName, name: config.name, value } });
    }
    if (!request.validateOnly) records.push(...changes);
    return answer(ErrorCode.NONE);
  });
  return { records, response: { throttleTimeMs: 0, responses } };
}
