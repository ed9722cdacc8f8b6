import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AddOffsetsToTxnRequest } from '../../core/protocol/generated/messages/add-offsets-to-txn.js';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../core/protocol/generated/messages/add-partitions-to-txn.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../core/protocol/generated/messages/alter-configs.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../core/protocol/generated/messages/delete-groups.js';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../core/protocol/generated/messages/delete-records.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../core/protocol/generated/messages/describe-cluster.js';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from '../../core/protocol/generated/messages/describe-configs.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../core/protocol/generated/messages/describe-groups.js';
import type { DescribeProducersRequest, DescribeProducersResponse } from '../../core/protocol/generated/messages/describe-producers.js';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../core/protocol/generated/messages/describe-topic-partitions.js';
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../core/protocol/generated/messages/describe-transactions.js';
import type { EndTxnRequest } from '../../core/protocol/generated/messages/end-txn.js';
import { defaultFetchResponsePartitionData, type FetchRequest, type FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../core/protocol/generated/messages/find-coordinator.js';
import type { HeartbeatRequest } from '../../core/protocol/generated/messages/heartbeat.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { InitProducerIdRequest } from '../../core/protocol/generated/messages/init-producer-id.js';
import type { JoinGroupRequest } from '../../core/protocol/generated/messages/join-group.js';
import type { LeaveGroupRequest } from '../../core/protocol/generated/messages/leave-group.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../core/protocol/generated/messages/list-groups.js';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../core/protocol/generated/messages/list-offsets.js';
import type { ListTransactionsRequest, ListTransactionsResponse } from '../../core/protocol/generated/messages/list-transactions.js';
import type { MetadataRequest, MetadataResponse } from '../../core/protocol/generated/messages/metadata.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../core/protocol/generated/messages/offset-commit.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../core/protocol/generated/messages/offset-delete.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../core/protocol/generated/messages/offset-fetch.js';
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../core/protocol/generated/messages/offset-for-leader-epoch.js';
import type { ProduceRequest, ProduceResponse } from '../../core/protocol/generated/messages/produce.js';
import type { SyncGroupRequest } from '../../core/protocol/generated/messages/sync-group.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../core/protocol/generated/messages/txn-offset-commit.js';
import { ConfigResourceType, type MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { AclOperation as Op, ResourceType } from '../../core/security/acl.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED } from '../handlers/authorized-operations.js';
import type { RequestContext } from '../handlers/registry.js';
import type { RequestAuthorization } from './request-authorizer.js';
import { fields, splitByAuthorization, type HandlerCall } from './split-by-authorization.js';

/** What a rule sees of one request: its principal's questions, the request, and the handler to call with what is allowed. */
export interface Guarded<Request, Response> extends HandlerCall<Request, Response> {
  readonly auth: RequestAuthorization;
  readonly context: RequestContext;
  readonly image: () => MetadataImage;
}

export type Rule<Request = unknown, Response = unknown> = (call: Guarded<Request, Response>) => Promise<Response | null> | Response | null;

const { TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED } = ErrorCode;
/** ConfigResource.Type values beyond the image's (Kafka: BROKER_LOGGER 8, GROUP 32). */
const BROKER_LOGGER = 8;
const GROUP_CONFIG = 32;
const KEY_TYPE_GROUP = 0;

/** The whole request refused with `errorCode` unless `allowed`. */
function unless<Request, Response>(call: Guarded<Request, Response>, allowed: boolean, errorCode: number): Promise<Response | null> | Response {
  return allowed ? call.handle(call.request) : call.fail(call.request, errorCode);
}

function clusterRule(operation: number): Rule {
  return (call) => unless(call, call.auth.cluster(operation), CLUSTER_AUTHORIZATION_FAILED);
}

function groupRule<Request extends { groupId: string }>(operation: number): Rule<Request> {
  return (call) => unless(call, call.auth.group(operation, call.request.groupId), GROUP_AUTHORIZATION_FAILED);
}

const topicRefusal = (call: Guarded<unknown, unknown>, operation: number) => (name: string) => (call.auth.topic(operation, name) ? null : TOPIC_AUTHORIZATION_FAILED);

/** A config resource's operation: topics and groups by name, brokers and their loggers on the cluster. */
function configRefusal(auth: RequestAuthorization, operation: number) {
  return (resource: { resourceType: number; resourceName: string }): number | null => {
    switch (resource.resourceType) {
      case ConfigResourceType.topic:
        return auth.topic(operation, resource.resourceName) ? null : TOPIC_AUTHORIZATION_FAILED;
      case GROUP_CONFIG:
        return auth.group(operation, resource.resourceName) ? null : GROUP_AUTHORIZATION_FAILED;
      case ConfigResourceType.broker:
      case BROKER_LOGGER:
        return auth.cluster(operation) ? null : CLUSTER_AUTHORIZATION_FAILED;
      default:
        return null;
    }
  };
}

function fetchTopicName(image: MetadataImage, topic: { topic: string; topicId: string }): string {
  return topic.topic !== '' ? topic.topic : (image.topics.get(topic.topicId)?.name ?? '');
}

/** A follower's request (replica id ≥ 0) needs ClusterAction; a consumer's, `operation` on each topic. */
function replicaOrTopics(call: Guarded<unknown, unknown>, replicaId: number, operation: number): (name: string) => number | null {
  if (replicaId >= 0) {
    const allowed = call.auth.cluster(Op.clusterAction);
    return () => (allowed ? null : TOPIC_AUTHORIZATION_FAILED);
  }
  return topicRefusal(call, operation);
}

const produce: Rule<ProduceRequest, ProduceResponse> = async (call) => {
  const { transactionalId } = call.request;
  if (transactionalId !== null && !call.auth.transactionalId(Op.write, transactionalId)) return call.fail(call.request, TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const refusal = topicRefusal(call, Op.write);
  const answer = await splitByAuthorization(call, fields('topicData', 'responses'), (t) => refusal(t.name));
  return call.request.acks === 0 ? null : answer;
};

const fetch: Rule<FetchRequest, FetchResponse> = (call) => {
  const replicaId = call.context.apiVersion >= 15 ? call.request.replicaState.replicaId : call.request.replicaId;
  const refusal = replicaOrTopics(call, replicaId, Op.read);
  const image = call.image();
  return splitByAuthorization(
    call,
    {
      ...fields<FetchRequest, FetchResponse, 'topics', 'responses'>('topics', 'responses'),
      refused: (_request, topics, errorCode) =>
        topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          // Kafka's answer for a partition it will not read: no high watermark, no records (an empty set: librdkafka refuses a null one).
          partitions: t.partitions.map((p) => ({ ...defaultFetchResponsePartitionData(), partitionIndex: p.partition, errorCode, highWatermark: -1n, abortedTransactions: null, records: Buffer.alloc(0) })),
        })),
    },
    (t) => refusal(fetchTopicName(image, t)),
  );
};

const offsetsForLeaderEpoch: Rule<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = (call) => {
  const follower = call.request.replicaId >= 0 && call.auth.allows(Op.clusterAction, ResourceType.cluster, 'kafka-cluster');
  const refusal = topicRefusal(call, Op.describe);
  return splitByAuthorization(call, fields('topics', 'topics'), (t) => (follower ? null : refusal(t.topic)));
};

const metadata: Rule<MetadataRequest, MetadataResponse> = async (call) => {
  const { auth, request } = call;
  const version = call.context.apiVersion;
  const image = call.image();
  const canCreateAny = auth.allows(Op.create, ResourceType.cluster, 'kafka-cluster');
  const refusal = (t: MetadataRequest['topics'] extends (infer T)[] | null ? T : never): number | null => {
    const name = t.name ?? image.topics.get(t.topicId)?.name ?? null;
    if (name === null) return null;
    if (!auth.topic(Op.describe, name)) return TOPIC_AUTHORIZATION_FAILED;
    // Auto-creation, where the request allows it, needs Create on the cluster or on the topic.
    const mayCreate = version < 4 || request.allowAutoTopicCreation;
    if (mayCreate && !image.topicIdsByName.has(name) && !canCreateAny && !auth.topic(Op.create, name)) return TOPIC_AUTHORIZATION_FAILED;
    return null;
  };
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  // With every named topic refused the handler still answers, for the brokers and the cluster id.
  const response = all ? await call.handle(request) : await splitByAuthorization(call, { ...fields<MetadataRequest, MetadataResponse, 'topics', 'topics'>('topics', 'topics'), handleEmpty: true }, refusal);
  if (response === null) return null;
  const named = new Set((request.topics ?? []).map((t) => t.name ?? image.topics.get(t.topicId)?.name));
  // All topics: those the principal may not describe are not even mentioned. Named ones: only those
  // (a v0 request left with no topic would otherwise have been answered with all of them).
  const shown = all ? response.topics.filter((t) => t.name !== null && auth.allows(Op.describe, ResourceType.topic, t.name)) : response.topics.filter((t) => t.name === null || named.has(t.name));
  const topics = shown.map((t) =>
    t.topicAuthorizedOperations === AUTHORIZED_OPERATIONS_NOT_REQUESTED || t.name === null || t.errorCode === TOPIC_AUTHORIZATION_FAILED ? t : { ...t, topicAuthorizedOperations: auth.operations(ResourceType.topic, t.name) },
  );
  const clusterAuthorizedOperations =
    response.clusterAuthorizedOperations === AUTHORIZED_OPERATIONS_NOT_REQUESTED ? AUTHORIZED_OPERATIONS_NOT_REQUESTED
    : auth.allows(Op.describe, ResourceType.cluster, 'kafka-cluster') ? auth.operations(ResourceType.cluster, 'kafka-cluster')
    : 0;
  return { ...response, topics, clusterAuthorizedOperations };
};

const describeTopicPartitions: Rule<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> = async (call) => {
  const { auth } = call;
  const refusal = topicRefusal(call, Op.describe);
  const response = call.request.topics.length === 0 ? await call.handle(call.request) : await splitByAuthorization(call, fields('topics', 'topics'), (t) => refusal(t.name));
  if (response === null) return null;
  const topics = response.topics
    .filter((t) => call.request.topics.length > 0 || (t.name !== null && auth.allows(Op.describe, ResourceType.topic, t.name)))
    .map((t) => (t.topicAuthorizedOperations === AUTHORIZED_OPERATIONS_NOT_REQUESTED || t.name === null || t.errorCode !== ErrorCode.NONE ? t : { ...t, topicAuthorizedOperations: auth.operations(ResourceType.topic, t.name) }));
  return { ...response, topics };
};

const createTopics: Rule<CreateTopicsRequest, CreateTopicsResponse> = (call) => {
  const onCluster = call.auth.allows(Op.create, ResourceType.cluster, 'kafka-cluster');
  const refusal = topicRefusal(call, Op.create);
  return splitByAuthorization(call, fields('topics', 'topics'), (t) => (onCluster ? null : refusal(t.name)));
};

const deleteTopics: Rule<DeleteTopicsRequest, DeleteTopicsResponse> = (call) => {
  type Item = { readonly name: string } | { readonly topic: DeleteTopicsRequest['topics'][number] };
  const image = call.image();
  const refusal = topicRefusal(call, Op.delete);
  return splitByAuthorization<DeleteTopicsRequest, DeleteTopicsResponse, Item, DeleteTopicsResponse['responses'][number]>(
    call,
    {
      items: (request) => [...request.topicNames.map((name) => ({ name })), ...request.topics.map((topic) => ({ topic }))],
      withItems: (request, items) => ({
        ...request,
        topicNames: items.flatMap((i) => ('name' in i ? [i.name] : [])),
        topics: items.flatMap((i) => ('topic' in i ? [i.topic] : [])),
      }),
      outputs: (response) => response.responses,
      withOutputs: (response, responses) => ({ ...response, responses }),
    },
    (item) => {
      const name = 'name' in item ? item.name : (item.topic.name ?? image.topics.get(item.topic.topicId)?.name);
      // An unknown id is the handler's to answer (UNKNOWN_TOPIC_ID).
      return name === undefined ? null : refusal(name);
    },
  );
};

const offsetCommit: Rule<OffsetCommitRequest, OffsetCommitResponse> = (call) => {
  if (!call.auth.group(Op.read, call.request.groupId)) return call.fail(call.request, GROUP_AUTHORIZATION_FAILED);
  const refusal = topicRefusal(call, Op.read);
  return splitByAuthorization(call, fields('topics', 'topics'), (t) => refusal(t.name));
};

const txnOffsetCommit: Rule<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = (call) => {
  if (!call.auth.transactionalId(Op.write, call.request.transactionalId)) return call.fail(call.request, TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  if (!call.auth.group(Op.read, call.request.groupId)) return call.fail(call.request, GROUP_AUTHORIZATION_FAILED);
  const refusal = topicRefusal(call, Op.read);
  return splitByAuthorization(call, fields('topics', 'topics'), (t) => refusal(t.name));
};

const offsetDelete: Rule<OffsetDeleteRequest, OffsetDeleteResponse> = (call) => {
  if (!call.auth.group(Op.delete, call.request.groupId)) return call.fail(call.request, GROUP_AUTHORIZATION_FAILED);
  const refusal = topicRefusal(call, Op.read);
  return splitByAuthorization(call, fields('topics', 'topics'), (t) => refusal(t.name));
};

/**
 * OffsetFetch: Describe on each group (GROUP_AUTHORIZATION_FAILED); of the topics, those the
 * principal may not describe are left out of an all-topics answer and answered
 * TOPIC_AUTHORIZATION_FAILED where named.
 */
const offsetFetch: Rule<OffsetFetchRequest, OffsetFetchResponse> = async (call) => {
  const { auth, request } = call;
  const hideTopics = <P extends { errorCode: number; committedOffset: bigint }, T extends { name: string; partitions: P[] }>(topics: T[], named: boolean): T[] =>
    named
      ? topics.map((t) => (auth.topic(Op.describe, t.name) ? t : { ...t, partitions: t.partitions.map((p) => ({ ...p, committedOffset: -1n, errorCode: TOPIC_AUTHORIZATION_FAILED })) }))
      : topics.filter((t) => auth.allows(Op.describe, ResourceType.topic, t.name));
  if (request.groups.length === 0) {
    if (!auth.group(Op.describe, request.groupId)) return call.fail(request, GROUP_AUTHORIZATION_FAILED);
    const response = await call.handle(request);
    return response === null ? null : { ...response, topics: hideTopics(response.topics, request.topics !== null) };
  }
  const response = await splitByAuthorization(call, fields('groups', 'groups'), (g) => (auth.group(Op.describe, g.groupId) ? null : GROUP_AUTHORIZATION_FAILED));
  if (response === null) return null;
  const named = new Map(request.groups.map((g) => [g.groupId, g.topics !== null]));
  return { ...response, groups: response.groups.map((g) => (g.errorCode !== ErrorCode.NONE ? g : { ...g, topics: hideTopics(g.topics, named.get(g.groupId) ?? false) })) };
};

const findCoordinator: Rule<FindCoordinatorRequest, FindCoordinatorResponse> = (call) => {
  const isGroup = call.request.keyType === KEY_TYPE_GROUP;
  const refusal = (key: string): number | null => {
    if (isGroup) return call.auth.group(Op.describe, key) ? null : GROUP_AUTHORIZATION_FAILED;
    return call.auth.transactionalId(Op.describe, key) ? null : TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  };
  if (call.request.coordinatorKeys.length === 0) {
    const errorCode = refusal(call.request.key);
    return errorCode === null ? call.handle(call.request) : call.fail(call.request, errorCode);
  }
  return splitByAuthorization(call, fields('coordinatorKeys', 'coordinators'), refusal);
};

const describeGroups: Rule<DescribeGroupsRequest, DescribeGroupsResponse> = async (call) => {
  const response = await splitByAuthorization(call, fields('groups', 'groups'), (groupId) => (call.auth.group(Op.describe, groupId) ? null : GROUP_AUTHORIZATION_FAILED));
  if (response === null || !call.request.includeAuthorizedOperations) return response;
  return { ...response, groups: response.groups.map((g) => (g.errorCode === GROUP_AUTHORIZATION_FAILED ? g : { ...g, authorizedOperations: call.auth.operations(ResourceType.group, g.groupId) })) };
};

const listGroups: Rule<ListGroupsRequest, ListGroupsResponse> = async (call) => {
  const response = await call.handle(call.request);
  if (response === null || call.auth.allows(Op.describe, ResourceType.cluster, 'kafka-cluster')) return response;
  return { ...response, groups: response.groups.filter((g) => call.auth.allows(Op.describe, ResourceType.group, g.groupId)) };
};

const deleteGroups: Rule<DeleteGroupsRequest, DeleteGroupsResponse> = (call) =>
  splitByAuthorization(call, fields('groupsNames', 'results'), (groupId) => (call.auth.group(Op.delete, groupId) ? null : GROUP_AUTHORIZATION_FAILED));

const describeConfigs: Rule<DescribeConfigsRequest, DescribeConfigsResponse> = (call) => splitByAuthorization(call, fields('resources', 'results'), configRefusal(call.auth, Op.describeConfigs));
const alterConfigs: Rule<AlterConfigsRequest, AlterConfigsResponse> = (call) => splitByAuthorization(call, fields('resources', 'responses'), configRefusal(call.auth, Op.alterConfigs));
const incrementalAlterConfigs: Rule<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = (call) =>
  splitByAuthorization(call, fields('resources', 'responses'), configRefusal(call.auth, Op.alterConfigs));

/** `operation` on each topic of a request whose topics (items with a `name`) are answered in one list of the response. */
function topicsRule<Request, Response>(operation: number, requestField: keyof Request, responseField: keyof Response): Rule<Request, Response> {
  return (call) => {
    const refusal = topicRefusal(call as Guarded<unknown, unknown>, operation);
    return splitByAuthorization(call, fields(requestField, responseField), (item) => refusal((item as { name: string }).name));
  };
}

const initProducerId: Rule<InitProducerIdRequest> = (call) => {
  const { transactionalId } = call.request;
  if (transactionalId !== null) return unless(call, call.auth.transactionalId(Op.write, transactionalId), TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  return unless(call, call.auth.idempotentProducer(), CLUSTER_AUTHORIZATION_FAILED);
};

/** v0-3 from producers: Write on the transactional id and on each topic (the others OPERATION_NOT_ATTEMPTED); v4+ between brokers: ClusterAction. */
const addPartitionsToTxn: Rule<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = (call) => {
  const { request } = call;
  if (call.context.apiVersion >= 4) return unless(call, call.auth.cluster(Op.clusterAction), CLUSTER_AUTHORIZATION_FAILED);
  if (!call.auth.transactionalId(Op.write, request.v3AndBelowTransactionalId)) return call.fail(request, TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const denied = request.v3AndBelowTopics.filter((t) => !call.auth.topic(Op.write, t.name));
  if (denied.length === 0) return call.handle(request);
  const others = request.v3AndBelowTopics.filter((t) => !denied.includes(t));
  return {
    ...call.fail({ ...request, v3AndBelowTopics: denied }, TOPIC_AUTHORIZATION_FAILED),
    resultsByTopicV3AndBelow: [
      ...call.fail({ ...request, v3AndBelowTopics: denied }, TOPIC_AUTHORIZATION_FAILED).resultsByTopicV3AndBelow,
      ...call.fail({ ...request, v3AndBelowTopics: others }, ErrorCode.OPERATION_NOT_ATTEMPTED).resultsByTopicV3AndBelow,
    ],
  };
};

const addOffsetsToTxn: Rule<AddOffsetsToTxnRequest> = (call) => {
  if (!call.auth.transactionalId(Op.write, call.request.transactionalId)) return call.fail(call.request, TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  return unless(call, call.auth.group(Op.read, call.request.groupId), GROUP_AUTHORIZATION_FAILED);
};

const endTxn: Rule<EndTxnRequest> = (call) => unless(call, call.auth.transactionalId(Op.write, call.request.transactionalId), TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

const describeTransactions: Rule<DescribeTransactionsRequest, DescribeTransactionsResponse> = (call) =>
  splitByAuthorization(call, fields('transactionalIds', 'transactionStates'), (id) => (call.auth.transactionalId(Op.describe, id) ? null : TRANSACTIONAL_ID_AUTHORIZATION_FAILED));

const listTransactions: Rule<ListTransactionsRequest, ListTransactionsResponse> = async (call) => {
  const response = await call.handle(call.request);
  return response === null ? null : { ...response, transactionStates: response.transactionStates.filter((t) => call.auth.allows(Op.describe, ResourceType.transactionalId, t.transactionalId)) };
};

const describeCluster: Rule<DescribeClusterRequest, DescribeClusterResponse> = async (call) => {
  const response = await call.handle(call.request);
  if (response === null || response.clusterAuthorizedOperations === AUTHORIZED_OPERATIONS_NOT_REQUESTED) return response;
  const operations = call.auth.allows(Op.describe, ResourceType.cluster, 'kafka-cluster') ? call.auth.operations(ResourceType.cluster, 'kafka-cluster') : 0;
  return { ...response, clusterAuthorizedOperations: operations };
};

const open: Rule = (call) => call.handle(call.request);

/** A table entry: each rule is written against its API's types, and called with what the codec decoded for that API. */
function entry<Request, Response>(apiKey: number, rule: Rule<Request, Response>): [number, Rule] {
  return [apiKey, rule as unknown as Rule];
}

/**
 * What each API checks, as Kafka's KafkaApis does, on the broker listeners. Controller listeners
 * use CONTROLLER_RULES first (the KRaft and broker-lifecycle APIs need ClusterAction).
 */
export const BROKER_RULES: ReadonlyMap<number, Rule> = new Map([
  entry(ApiKey.ApiVersions, open),
  entry(ApiKey.SaslHandshake, open),
  entry(ApiKey.SaslAuthenticate, open),
  entry(ApiKey.Produce, produce),
  entry(ApiKey.Fetch, fetch),
  entry(ApiKey.ListOffsets, topicsRule<ListOffsetsRequest, ListOffsetsResponse>(Op.describe, 'topics', 'topics')),
  entry(ApiKey.OffsetForLeaderEpoch, offsetsForLeaderEpoch),
  entry(ApiKey.Metadata, metadata),
  entry(ApiKey.DescribeTopicPartitions, describeTopicPartitions),
  entry(ApiKey.CreateTopics, createTopics),
  entry(ApiKey.DeleteTopics, deleteTopics),
  entry(ApiKey.CreatePartitions, topicsRule<CreatePartitionsRequest, CreatePartitionsResponse>(Op.alter, 'topics', 'results')),
  entry(ApiKey.DeleteRecords, topicsRule<DeleteRecordsRequest, DeleteRecordsResponse>(Op.delete, 'topics', 'topics')),
  entry(ApiKey.DescribeProducers, topicsRule<DescribeProducersRequest, DescribeProducersResponse>(Op.read, 'topics', 'topics')),
  entry(ApiKey.DescribeConfigs, describeConfigs),
  entry(ApiKey.AlterConfigs, alterConfigs),
  entry(ApiKey.IncrementalAlterConfigs, incrementalAlterConfigs),
  entry(ApiKey.ElectLeaders, clusterRule(Op.alter)),
  entry(ApiKey.AlterPartitionReassignments, clusterRule(Op.alter)),
  entry(ApiKey.ListPartitionReassignments, clusterRule(Op.describe)),
  entry(ApiKey.DescribeLogDirs, clusterRule(Op.describe)),
  entry(ApiKey.DescribeCluster, describeCluster),
  entry(ApiKey.DescribeQuorum, clusterRule(Op.describe)),
  entry(ApiKey.CreateAcls, clusterRule(Op.alter)),
  entry(ApiKey.DeleteAcls, clusterRule(Op.alter)),
  entry(ApiKey.DescribeAcls, clusterRule(Op.describe)),
  entry(ApiKey.DescribeClientQuotas, clusterRule(Op.describeConfigs)),
  entry(ApiKey.AlterClientQuotas, clusterRule(Op.alterConfigs)),
  entry(ApiKey.DescribeUserScramCredentials, clusterRule(Op.describe)),
  entry(ApiKey.AlterUserScramCredentials, clusterRule(Op.alter)),
  entry(ApiKey.FindCoordinator, findCoordinator),
  entry(ApiKey.JoinGroup, groupRule<JoinGroupRequest>(Op.read)),
  entry(ApiKey.SyncGroup, groupRule<SyncGroupRequest>(Op.read)),
  entry(ApiKey.Heartbeat, groupRule<HeartbeatRequest>(Op.read)),
  entry(ApiKey.LeaveGroup, groupRule<LeaveGroupRequest>(Op.read)),
  entry(ApiKey.OffsetCommit, offsetCommit),
  entry(ApiKey.OffsetFetch, offsetFetch),
  entry(ApiKey.OffsetDelete, offsetDelete),
  entry(ApiKey.DescribeGroups, describeGroups),
  entry(ApiKey.ListGroups, listGroups),
  entry(ApiKey.DeleteGroups, deleteGroups),
  entry(ApiKey.InitProducerId, initProducerId),
  entry(ApiKey.AddPartitionsToTxn, addPartitionsToTxn),
  entry(ApiKey.AddOffsetsToTxn, addOffsetsToTxn),
  entry(ApiKey.EndTxn, endTxn),
  entry(ApiKey.TxnOffsetCommit, txnOffsetCommit),
  entry(ApiKey.WriteTxnMarkers, clusterRule(Op.clusterAction)),
  entry(ApiKey.DescribeTransactions, describeTransactions),
  entry(ApiKey.ListTransactions, listTransactions),
]);

/** Inter-node APIs: only brokers and controllers (ClusterAction on the cluster) may call them. */
export const CONTROLLER_RULES: ReadonlyMap<number, Rule> = new Map(
  [ApiKey.Vote, ApiKey.BeginQuorumEpoch, ApiKey.EndQuorumEpoch, ApiKey.Fetch, ApiKey.FetchSnapshot, ApiKey.BrokerRegistration, ApiKey.BrokerHeartbeat, ApiKey.AllocateProducerIds, ApiKey.AlterPartition].map((apiKey) => [
    apiKey,
    clusterRule(Op.clusterAction),
  ]),
);

/** An API no rule names (added later without one) is refused unless the principal may Alter the cluster. */
export const UNLISTED_RULE: Rule = clusterRule(Op.alter);
