import { errorName } from '../../client/client-error.js';
import type { KafkaClient } from '../../client/kafka-client.js';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { DescribeAclsResponse } from '../../core/protocol/generated/messages/describe-acls.js';
import type { DescribeClientQuotasResponse } from '../../core/protocol/generated/messages/describe-client-quotas.js';
import type { DescribeProducersResponse } from '../../core/protocol/generated/messages/describe-producers.js';
import type { DescribeTransactionsResponse } from '../../core/protocol/generated/messages/describe-transactions.js';
import type { ListTransactionsResponse } from '../../core/protocol/generated/messages/list-transactions.js';

// The console's views of transactions, producers, ACLs and client quotas: the
// admin requests kafka-transactions, kafka-acls and kafka-configs send, asked
// of the brokers that answer them (each transaction coordinator, each leader).

/** Kafka's wire codes of ACL resource types, pattern types, operations and permissions, by the names its tools print. */
const RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'];
const OPERATIONS = ['UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS'];
const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'];
const ANY = 1;

/** Every transaction of the cluster: ListTransactions of each broker, then DescribeTransactions at that coordinator. */
export async function transactions(client: KafkaClient, brokerIds: readonly number[]) {
  const perBroker = await Promise.all(
    brokerIds.map(async (nodeId) => {
      const connection = await client.connectionToNode(nodeId);
      const listed = await connection.request<ListTransactionsResponse>(ApiKey.ListTransactions, { stateFilters: [], producerIdFilters: [], durationFilter: -1n }, 0);
      const ids = listed.transactionStates.map((t) => t.transactionalId);
      if (ids.length === 0) return [];
      const described = await connection.request<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, { transactionalIds: ids }, 0);
      return described.transactionStates
        .filter((t) => t.errorCode === ErrorCode.NONE)
        .map((t) => ({
          transactionalId: t.transactionalId,
          coordinator: nodeId,
          state: t.transactionState,
          producerId: String(t.producerId),
          producerEpoch: t.producerEpoch,
          timeoutMs: t.transactionTimeoutMs,
          startTimeMs: Number(t.transactionStartTimeMs),
          partitions: t.topics.flatMap((topic) => topic.partitions.map((p) => `${topic.topic}-${p}`)),
        }));
    }),
  );
  return perBroker.flat().sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : 1));
}

/** The producers a partition's leader tracks (DescribeProducers), with their open transaction's first offset. */
export async function producers(client: KafkaClient, leader: number, topic: string, partition: number) {
  const connection = await client.connectionToNode(leader);
  const response = await connection.request<DescribeProducersResponse>(ApiKey.DescribeProducers, { topics: [{ name: topic, partitionIndexes: [partition] }] }, 0);
  const answer = response.topics[0]?.partitions[0];
  if (answer === undefined || answer.errorCode !== ErrorCode.NONE) return [];
  return answer.activeProducers.map((p) => ({
    producerId: String(p.producerId),
    producerEpoch: p.producerEpoch,
    lastSequence: p.lastSequence,
    lastTimestamp: Number(p.lastTimestamp),
    currentTxnStartOffset: String(p.currentTxnStartOffset),
  }));
}

/** Every ACL, or why there are none to show (no authorizer: SECURITY_DISABLED). */
export async function acls(client: KafkaClient) {
  const connection = await client.anyConnection();
  const response = await connection.request<DescribeAclsResponse>(
    ApiKey.DescribeAcls,
    { resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null, hostFilter: null, operation: ANY, permissionType: ANY },
    1,
  );
  if (response.errorCode !== ErrorCode.NONE) return { error: errorName(response.errorCode), acls: [] };
  return {
    error: null,
    acls: response.resources.flatMap((resource) =>
      resource.acls.map((acl) => ({
        resourceType: RESOURCE_TYPES[resource.resourceType] ?? String(resource.resourceType),
        resourceName: resource.resourceName,
        patternType: PATTERN_TYPES[resource.patternType] ?? String(resource.patternType),
        principal: acl.principal,
        host: acl.host,
        operation: OPERATIONS[acl.operation] ?? String(acl.operation),
        permission: PERMISSIONS[acl.permissionType] ?? String(acl.permissionType),
      })),
    ),
  };
}

/** Every client quota entity and its values (DescribeClientQuotas with no filter). */
export async function clientQuotas(client: KafkaClient) {
  const connection = await client.anyConnection();
  const response = await connection.request<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, { components: [], strict: false }, 0);
  if (response.errorCode !== ErrorCode.NONE) return { error: errorName(response.errorCode), quotas: [] };
  return {
    error: null,
    quotas: (response.entries ?? []).map((entry) => ({
      entity: entry.entity.map((e) => `${e.entityType}=${e.entityName ?? '<default>'}`).join(', '),
      values: Object.fromEntries(entry.values.map((v) => [v.key, v.value])),
    })),
  };
}
