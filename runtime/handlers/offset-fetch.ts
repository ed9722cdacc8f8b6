import type { OffsetFetchResponse as CoreOffsetFetchResponse } from '../../core/group/group-api.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseTopic } from '../../core/protocol/generated/messages/offset-fetch.js';
import { CoordinatorUnavailableError, type GroupCoordinatorService } from '../group/group-coordinator-service.js';
import type { ApiHandler } from './registry.js';

type Topics = Array<{ name: string; partitionIndexes: number[] }> | null;

/**
 * OffsetFetch v0-9: one group (v0-7) or several (v8+, KIP-709), each asked
 * of its own coordinator. Null topics (v2+) mean every committed partition.
 * Before v2 there is no top-level error: it goes on every partition.
 */
export function createOffsetFetchHandler(service: GroupCoordinatorService): ApiHandler<OffsetFetchRequest, OffsetFetchResponse> {
  const fetchGroup = async (groupId: string, topics: Topics, requireStable: boolean): Promise<CoreOffsetFetchResponse> => {
    try {
      return await service.read<CoreOffsetFetchResponse>(service.partitionFor(groupId), { api: 'OffsetFetch', request: { groupId, topics, requireStable } });
    } catch (error) {
      if (error instanceof CoordinatorUnavailableError) return failed(topics, error.errorCode);
      throw error;
    }
  };
  const respond = (request: OffsetFetchRequest, version: number, answers: CoreOffsetFetchResponse[]): OffsetFetchResponse => {
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: request.groups.map((g, i) => ({ groupId: g.groupId, topics: answers[i]!.topics, errorCode: answers[i]!.errorCode })),
      };
    }
    const answer = answers[0]!;
    const topics: OffsetFetchResponseTopic[] =
      version >= 2 ? answer.topics : answer.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode || answer.errorCode })) }));
    return { throttleTimeMs: 0, topics, errorCode: answer.errorCode, groups: [] };
  };
  return {
    apiKey: ApiKey.OffsetFetch,
    name: 'OffsetFetch',
    minVersion: 0,
    maxVersion: 9,
    handle: async (context, request) => {
      const version = context.apiVersion;
      const asked = version >= 8 ? request.groups.map((g) => ({ groupId: g.groupId, topics: g.topics })) : [{ groupId: request.groupId, topics: request.topics }];
      // requireStable is on the wire from v7 (KIP-447); it defaults to false before.
      const answers = await Promise.all(asked.map((g) => fetchGroup(g.groupId, g.topics, request.requireStable)));
      return respond(request, version, answers);
    },
    errorResponse: (request, errorCode) => {
      const groups = request.groups.length > 0 ? request.groups.map((g) => failed(g.topics, errorCode)) : [failed(request.topics, errorCode)];
      return respond(request, request.groups.length > 0 ? 8 : 2, groups);
    },
  };
}

function failed(topics: Topics, errorCode: number): CoreOffsetFetchResponse {
  return {
    errorCode,
    topics: (topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })),
    })),
  };
}
