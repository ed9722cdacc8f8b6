import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { ApiHandler } from './registry.js';

/** CreateTopics v0-7, answered by whatever reaches the active controller (ClusterMetadata on brokers, the controller itself on controllers). */
export function createCreateTopicsHandler(target: { createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> }): ApiHandler<CreateTopicsRequest, CreateTopicsResponse> {
  const errorResponse = (request: CreateTopicsRequest, errorCode: number): CreateTopicsResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode })),
  });
  return {
    apiKey: ApiKey.CreateTopics,
    name: 'CreateTopics',
    minVersion: 0,
    maxVersion: 7,
    handle: async (context, request) => {
      const response = await target.createTopics(request);
      // Before v5 the response has no per-topic details, and before v7 no topic id.
      if (context.apiVersion >= 5) return response;
      return { ...response, topics: response.topics.map((t) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage })) };
    },
    errorResponse,
  };
}
