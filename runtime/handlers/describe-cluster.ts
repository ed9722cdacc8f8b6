import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { DescribeClusterRequest, DescribeClusterResponse, DescribeClusterResponseDescribeClusterBroker } from '../../core/protocol/generated/messages/describe-cluster.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED, CLUSTER_OPERATIONS } from './authorized-operations.js';
import type { ApiHandler } from './registry.js';

/** DescribeCluster's EndpointType (KIP-919): brokers, or the controller quorum. */
export const EndpointType = { broker: 1, controller: 2 } as const;

export interface DescribeClusterSource {
  readonly clusterId: string;
  /** Which endpoints this listener describes. */
  readonly endpointType: number;
  /** The controller id to report (on brokers, any live broker, as KRaft brokers do; on controllers, the active one). */
  controllerId(): number;
  /** The nodes of that endpoint type, with the address of the listener the request came in on. */
  nodes(listenerName: string): DescribeClusterResponseDescribeClusterBroker[];
}

/** DescribeCluster v0-1: brokers on the broker listeners, controllers on the controller listener. */
export function createDescribeClusterHandler(source: DescribeClusterSource): ApiHandler<DescribeClusterRequest, DescribeClusterResponse> {
  const response = (
    version: number,
    errorCode: number,
    errorMessage: string | null,
    brokers: DescribeClusterResponseDescribeClusterBroker[],
    controllerId: number,
    clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_NOT_REQUESTED,
  ): DescribeClusterResponse => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType: version >= 1 ? source.endpointType : EndpointType.broker,
    clusterId: source.clusterId,
    controllerId,
    brokers,
    clusterAuthorizedOperations,
  });
  return {
    apiKey: ApiKey.DescribeCluster,
    name: 'DescribeCluster',
    minVersion: 0,
    maxVersion: 1,
    handle: (context, request) => {
      const askedType = context.apiVersion >= 1 ? request.endpointType : EndpointType.broker;
      if (askedType !== source.endpointType) {
        const what = source.endpointType === EndpointType.broker ? 'a broker' : 'a controller';
        return response(context.apiVersion, ErrorCode.MISMATCHED_ENDPOINT_TYPE, `This endpoint is ${what}; it cannot describe endpoint type ${askedType}`, [], -1);
      }
      const operations = request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_NOT_REQUESTED;
      return response(context.apiVersion, ErrorCode.NONE, null, source.nodes(context.listenerName), source.controllerId(), operations);
    },
    errorResponse: (_request, errorCode) => response(1, errorCode, null, [], -1),
  };
}
