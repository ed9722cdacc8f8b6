import { coordinatorPartitionFor } from '../../core/group/coordinator-partition.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../../core/protocol/generated/messages/find-coordinator.js';
import type { Endpoint } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { CoordinatorTopic } from '../coordinator/coordinator-topic.js';
import { CONSUMER_OFFSETS_TOPIC, offsetsTopic, type GroupCoordinatorService } from '../group/group-coordinator-service.js';
import type { ApiHandler, RequestContext } from './registry.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
/** How long FindCoordinator waits for __consumer_offsets to be created before telling the client to retry. */
const CREATE_WAIT_MS = 5_000;

/**
 * FindCoordinator v0-6: the leader of the group's __consumer_offsets
 * partition (or the transactional id's __transaction_state partition), on
 * the listener the request came in on; one key (v0-3) or a batch (v4+,
 * KIP-699). The first lookup creates the topic.
 */
export function createFindCoordinatorHandler(
  service: GroupCoordinatorService,
  metadata: ClusterMetadata,
  /** This node's advertised listeners (bound ports), for when the image does not list this node yet. */
  advertisedListeners: () => readonly Endpoint[],
  /** __transaction_state, once the transaction coordinators run. */
  transactionTopic: () => CoordinatorTopic | null = () => null,
): ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> {
  const groupTopic: CoordinatorTopic = { name: CONSUMER_OFFSETS_TOPIC, ensureTopic: () => service.ensureOffsetsTopic(), topic: offsetsTopic };
  const find = async (context: RequestContext, key: string, keyType: number): Promise<FindCoordinatorResponseCoordinator> => {
    const fail = (errorCode: number, errorMessage: string): FindCoordinatorResponseCoordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
    if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return fail(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
    const coordinators = keyType === KEY_TYPE_GROUP ? groupTopic : transactionTopic();
    if (coordinators === null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no transaction coordinator on this node');
    if (key === '') return fail(ErrorCode.INVALID_REQUEST, keyType === KEY_TYPE_GROUP ? 'empty group id' : 'empty transactional id');
    try {
      await withTimeout(coordinators.ensureTopic(), CREATE_WAIT_MS);
    } catch (error) {
      return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${coordinators.name} is not available yet: ${String(error)}`);
    }
    const image = metadata.image();
    const topic = coordinators.topic(image);
    if (topic === undefined || topic.partitions.size === 0) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${coordinators.name} is being created`);
    const leader = topic.partitions.get(coordinatorPartitionFor(key, topic.partitions.size))?.leader ?? -1;
    const endpoint =
      image.brokers.get(leader)?.endPoints.find((e) => e.name === context.listenerName) ??
      (leader === metadata.nodeId ? advertisedListeners().find((e) => e.listenerName === context.listenerName) : undefined);
    if (endpoint === undefined) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, `the coordinator (node ${leader}) has no ${context.listenerName} listener`);
    return { key, nodeId: leader, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
  };
  const respond = (version: number, coordinators: FindCoordinatorResponseCoordinator[]): FindCoordinatorResponse => {
    // From v4 the top-level fields are not on the wire and must keep their defaults.
    if (version >= 4) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
    const c = coordinators[0]!;
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
  };
  return {
    apiKey: ApiKey.FindCoordinator,
    name: 'FindCoordinator',
    minVersion: 0,
    maxVersion: 6,
    handle: async (context, request) => {
      const keys = context.apiVersion >= 4 ? request.coordinatorKeys : [request.key];
      return respond(context.apiVersion, await Promise.all(keys.map((key) => find(context, key, request.keyType))));
    },
    errorResponse: (request, errorCode) => {
      const keys = request.coordinatorKeys.length > 0 ? request.coordinatorKeys : [request.key];
      const coordinators = keys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null }));
      return respond(request.coordinatorKeys.length > 0 ? 4 : 0, coordinators);
    },
  };
}

function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
