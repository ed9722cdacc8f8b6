import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { ApiHandler } from './registry.js';

/** DeleteTopics v0-6, by name (v0-5 TopicNames, v6 Topics with a name) or by topic id (v6). */
export function createDeleteTopicsHandler(target: { deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> }): ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> {
  return {
    apiKey: ApiKey.DeleteTopics,
    name: 'DeleteTopics',
    minVersion: 0,
    maxVersion: 6,
    handle: async (context, request) => {
      const response = await target.deleteTopics(request);
      if (context.apiVersion >= 6) return response;
      return { ...response, responses: response.responses.map((r) => ({ ...r, topicId: ZERO_UUID, errorMessage: context.apiVersion >= 5 ? r.errorMessage : null })) };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      responses: [...request.topicNames.map((name) => ({ name, topicId: ZERO_UUID, errorCode, errorMessage: null })), ...request.topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null }))],
    }),
  };
}
