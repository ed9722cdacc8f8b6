import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import {
  defaultMetadataResponse,
  defaultMetadataResponsePartition,
  defaultMetadataResponseTopic,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseBroker,
  type MetadataResponseTopic,
} from '../../core/protocol/generated/messages/metadata.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import type { MetadataImage, TopicImage } from '../../core/raft/metadata/metadata-image.js';
import type { Endpoint } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { isValidTopicName, type AutoTopicCreator } from '../replica/auto-topic-creator.js';
import { isInternalTopic } from '../replica/internal-topics.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED, CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from './authorized-operations.js';
import type { ApiHandler, RequestContext } from './registry.js';

/** Topic ids in requests (v10+) and responses (v10+). */
const TOPIC_ID_VERSION = 10;

export interface MetadataHandlerDeps {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly rack: string | null;
  readonly metadata: ClusterMetadata;
  readonly autoCreate: AutoTopicCreator;
  /** This broker's advertised listeners (ports resolved), used when the image does not list it yet. */
  readonly advertisedListeners: () => readonly Endpoint[];
  /** Whether this broker's replica of the partition is offline (its log dir failed). */
  readonly isOffline: (topic: string, partition: number) => boolean;
}

/**
 * Metadata: brokers (with their endpoint on the listener the request came
 * in on), the cluster id, topics with ids and partitions (leader, epoch,
 * replicas, ISR). Unknown topics are created when the request allows it and
 * auto.create.topics.enable is on; a topic still without a leader answers
 * LEADER_NOT_AVAILABLE so the client retries.
 */
export function createMetadataHandler(deps: MetadataHandlerDeps): ApiHandler<MetadataRequest, MetadataResponse> {
  return {
    apiKey: ApiKey.Metadata,
    name: 'Metadata',
    minVersion: 0,
    maxVersion: 12,
    async handle(context, request) {
      const version = context.apiVersion;
      // v0 says "all topics" with an empty list; v1+ with null.
      const all = request.topics === null || (version === 0 && request.topics.length === 0);
      let image = deps.metadata.image();
      const topics: MetadataResponseTopic[] = [];
      if (all) {
        for (const topic of image.topics.values()) topics.push(describeTopic(image, topic, version, deps));
      } else {
        const autoCreate = deps.autoCreate.enabled && (version < 4 || request.allowAutoTopicCreation);
        const wanted = request.topics!.map((t) => ({ name: t.name ?? (version >= TOPIC_ID_VERSION ? image.topics.get(t.topicId)?.name ?? null : null), topicId: t.topicId }));
        const creations = new Map<string, number>();
        await Promise.all(
          wanted.map(async ({ name }) => {
            if (name === null || image.topicIdsByName.has(name) || !autoCreate) return;
            creations.set(name, await deps.autoCreate.create(name));
          }),
        );
        if (creations.size > 0) image = deps.metadata.image();
        for (const { name, topicId } of wanted) {
          const found = name === null ? undefined : findTopic(image, name);
          if (found !== undefined) {
            topics.push(describeTopic(image, found, version, deps));
            continue;
          }
          const created = name === null ? undefined : creations.get(name);
          const errorCode =
            name === null ? ErrorCode.UNKNOWN_TOPIC_ID
            : !isValidTopicName(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION
            : created === ErrorCode.NONE || created === ErrorCode.TOPIC_ALREADY_EXISTS || created === ErrorCode.LEADER_NOT_AVAILABLE ? ErrorCode.LEADER_NOT_AVAILABLE
            : created ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          topics.push({
            ...defaultMetadataResponseTopic(),
            errorCode,
            name,
            topicId: version >= TOPIC_ID_VERSION && name === null ? topicId : ZERO_UUID,
          });
        }
      }
      // v8+ (cluster operations up to v10): what the client may do, Kafka's full sets since no authorizer runs.
      if (version >= 8 && request.includeTopicAuthorizedOperations) for (const topic of topics) topic.topicAuthorizedOperations = TOPIC_OPERATIONS;
      const askedClusterOperations = version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations;
      return {
        ...defaultMetadataResponse(),
        brokers: brokers(image, context, deps),
        clusterId: version >= 2 ? deps.clusterId : null,
        controllerId: version >= 1 ? deps.nodeId : -1,
        topics,
        clusterAuthorizedOperations: askedClusterOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_NOT_REQUESTED,
      };
    },
    errorResponse: (request, errorCode) => ({
      ...defaultMetadataResponse(),
      topics: (request.topics ?? []).map((t) => ({ ...defaultMetadataResponseTopic(), errorCode, name: t.name })),
    }),
  };
}

function findTopic(image: MetadataImage, name: string): TopicImage | undefined {
  const id = image.topicIdsByName.get(name);
  return id === undefined ? undefined : image.topics.get(id);
}

/**
 * A partition's replicas whose log dir failed are its offline replicas, as
 * Kafka lists them (v5+). Kafka's partition error stays about the leader (it
 * would move leadership away from a failed dir; with nowhere to move it stays
 * here, and Produce/Fetch to it answer KAFKA_STORAGE_ERROR). Of other
 * brokers' replicas, those on a fenced or unregistered broker are offline (as
 * Kafka's controller counts them); brokers do not report failed dirs to the
 * controller yet.
 */
function describeTopic(image: MetadataImage, topic: TopicImage, version: number, deps: MetadataHandlerDeps): MetadataResponseTopic {
  const partitions = [...topic.partitions.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([partitionIndex, p]) => ({
      ...defaultMetadataResponsePartition(),
      errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex,
      leaderId: p.leader,
      leaderEpoch: version >= 7 ? p.leaderEpoch : -1,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => (id === deps.nodeId ? deps.isOffline(topic.name, partitionIndex) : !isLiveBroker(image, id))),
    }));
  return {
    ...defaultMetadataResponseTopic(),
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: version >= TOPIC_ID_VERSION ? topic.topicId : ZERO_UUID,
    isInternal: version >= 1 && isInternalTopic(topic.name),
    partitions,
  };
}

function isLiveBroker(image: MetadataImage, brokerId: number): boolean {
  const broker = image.brokers.get(brokerId);
  return broker !== undefined && !broker.fenced;
}

/** Unfenced brokers with an endpoint on the request's listener; this broker is always listed so clients can reach it. */
function brokers(image: MetadataImage, context: RequestContext, deps: MetadataHandlerDeps): MetadataResponseBroker[] {
  const result: MetadataResponseBroker[] = [];
  for (const broker of image.brokers.values()) {
    if (broker.fenced && broker.brokerId !== deps.nodeId) continue;
    const endpoint = broker.endPoints.find((e) => e.name === context.listenerName);
    if (endpoint === undefined) continue;
    result.push({ nodeId: broker.brokerId, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  if (!result.some((b) => b.nodeId === deps.nodeId)) {
    const own = deps.advertisedListeners().find((e) => e.listenerName === context.listenerName) ?? deps.advertisedListeners()[0];
    if (own !== undefined) result.push({ nodeId: deps.nodeId, host: own.host, port: own.port, rack: deps.rack });
  }
  return result.sort((a, b) => a.nodeId - b.nodeId);
}
