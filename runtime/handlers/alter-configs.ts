import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../core/protocol/generated/messages/alter-configs.js';
import { ConfigResourceType } from '../../core/raft/metadata/metadata-image.js';
import { ConfigOperation } from '../../core/raft/controller/config-control.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { ApiHandler } from './registry.js';

/**
 * AlterConfigs v0-2, the legacy whole-set form: the given configs replace the resource's dynamic
 * configs, so it becomes SETs plus DELETEs of what the request leaves out.
 */
export function createAlterConfigsHandler(metadata: ClusterMetadata): ApiHandler<AlterConfigsRequest, AlterConfigsResponse> {
  return {
    apiKey: ApiKey.AlterConfigs,
    name: 'AlterConfigs',
    minVersion: 0,
    maxVersion: 2,
    handle: async (_context, request) => {
      const image = metadata.image();
      const resources = request.resources.map((resource) => {
        const given = new Set(resource.configs.map((c) => c.name));
        const current = resource.resourceType === ConfigResourceType.topic || resource.resourceType === ConfigResourceType.broker ? image.configs.get(`${resource.resourceType}/${resource.resourceName}`) : undefined;
        const deletes = [...(current?.keys() ?? [])].filter((name) => !given.has(name)).map((name) => ({ name, configOperation: ConfigOperation.delete, value: null }));
        return {
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          configs: [...resource.configs.map((c) => ({ name: c.name, configOperation: c.value === null ? ConfigOperation.delete : ConfigOperation.set, value: c.value })), ...deletes],
        };
      });
      const response = await metadata.incrementalAlterConfigs({ resources, validateOnly: request.validateOnly });
      return { throttleTimeMs: 0, responses: response.responses };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
    }),
  };
}
