import type { DescribedGroup } from '../../core/group/group-api.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from '../../core/protocol/generated/messages/describe-groups.js';
import { CoordinatorUnavailableError, type GroupCoordinatorService } from '../group/group-coordinator-service.js';
import { asBuffer } from '../group/group-requests.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED, GROUP_OPERATIONS } from './authorized-operations.js';
import type { ApiHandler } from './registry.js';

/** DescribeGroups v0-5: each group asked of its coordinator; results in request order. */
export function createDescribeGroupsHandler(service: GroupCoordinatorService): ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> {
  const failed = (groupId: string, errorCode: number): DescribedGroup => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] });
  return {
    apiKey: ApiKey.DescribeGroups,
    name: 'DescribeGroups',
    minVersion: 0,
    maxVersion: 5,
    handle: async (_context, request) => {
      const byPartition = new Map<number, string[]>();
      for (const groupId of request.groups) {
        const partition = service.partitionFor(groupId);
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), groupId]);
      }
      const described = new Map<string, DescribedGroup>();
      await Promise.all(
        [...byPartition].map(async ([partition, groupIds]) => {
          try {
            for (const group of await service.read<DescribedGroup[]>(partition, { api: 'DescribeGroups', groupIds })) described.set(group.groupId, group);
          } catch (error) {
            if (!(error instanceof CoordinatorUnavailableError)) throw error;
            for (const groupId of groupIds) described.set(groupId, failed(groupId, error.errorCode));
          }
        }),
      );
      const operations = request.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_NOT_REQUESTED;
      return { throttleTimeMs: 0, groups: request.groups.map((groupId) => toWire(described.get(groupId)!, operations)) };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => toWire(failed(groupId, errorCode), AUTHORIZED_OPERATIONS_NOT_REQUESTED)),
    }),
  };
}

function toWire(group: DescribedGroup, authorizedOperations: number): DescribeGroupsResponseDescribedGroup {
  return {
    ...group,
    members: group.members.map((m) => ({ ...m, memberMetadata: asBuffer(m.memberMetadata), memberAssignment: asBuffer(m.memberAssignment) })),
    authorizedOperations,
  };
}
