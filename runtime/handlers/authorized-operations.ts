/** An authorized-operations field the client did not ask for: Kafka's Integer.MIN_VALUE (the schemas' default). */
export const AUTHORIZED_OPERATIONS_NOT_REQUESTED = -2147483648;

/** Kafka's AclOperation codes, the bit numbers of an authorized-operations field. */
const AclOperation = { read: 3, write: 4, create: 5, delete: 6, alter: 7, describe: 8, clusterAction: 9, describeConfigs: 10, alterConfigs: 11, idempotentWrite: 12 } as const;

const bits = (...operations: number[]): number => operations.reduce((field, operation) => field | (1 << operation), 0);
const { read, write, create, delete: remove, alter, describe, clusterAction, describeConfigs, alterConfigs, idempotentWrite } = AclOperation;

/*
 * Without an authorizer Kafka allows every operation a resource type supports
 * (AuthHelper.authorizedOperations over AclEntry.supportedOperations), and
 * Freshet enforces no ACLs: these are what a client is told it may do.
 */
export const TOPIC_OPERATIONS = bits(read, write, create, describe, remove, alter, describeConfigs, alterConfigs);
export const CLUSTER_OPERATIONS = bits(create, clusterAction, describeConfigs, alterConfigs, idempotentWrite, alter, describe);
export const GROUP_OPERATIONS = bits(read, describe, remove, describeConfigs, alterConfigs);
