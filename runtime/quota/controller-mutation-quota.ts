import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import { defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';

/** KIP-599: from these versions a mutation over the quota is refused (THROTTLING_QUOTA_EXCEEDED); before, it is done and throttled. */
const strictFrom: ReadonlyMap<number, number> = new Map([
  [ApiKey.CreateTopics, 6],
  [ApiKey.DeleteTopics, 5],
  [ApiKey.CreatePartitions, 3],
]);

export const THROTTLING_QUOTA_EXCEEDED_MESSAGE = 'The throttling quota has been exceeded.';

/** The controller mutation quota of one client: takes permits (strict or not) and returns the throttle time; gives back what was not used. */
export interface MutationQuota {
  take(permits: number, strict: boolean): number;
  giveBack(permits: number): void;
}

/** A mutating request with the topics over the quota taken out, and how to answer for them. */
export interface MutationPlan {
  readonly request: unknown;
  readonly throttleMs: number;
  /** The inner response with the refused topics added, and the permits of failed topics given back. */
  settle(response: unknown): unknown;
}

export function isControllerMutation(apiKey: number): boolean {
  return strictFrom.has(apiKey);
}

/**
 * Charges each topic of a CreateTopics (its partitions), CreatePartitions (the added ones) or
 * DeleteTopics (the topic's partitions) to the client's `controller_mutation_rate`, in request
 * order, as Kafka's controller does per topic; validateOnly requests charge nothing.
 */
export function planMutations(apiKey: number, apiVersion: number, request: unknown, image: MetadataImage, numPartitions: number, quota: MutationQuota): MutationPlan {
  const strict = apiVersion >= strictFrom.get(apiKey)!;
  let throttleMs = 0;
  const charged = new Map<string, number>();
  const refused = new Set<string>();
  const charge = (name: string, permits: number): boolean => {
    if (permits <= 0) return true;
    const throttle = quota.take(permits, strict);
    throttleMs = Math.max(throttleMs, throttle);
    if (strict && throttle > 0) {
      refused.add(name);
      return false;
    }
    charged.set(name, permits);
    return true;
  };
  const partitionsOf = (name: string): number => image.topics.get(image.topicIdsByName.get(name) ?? '')?.partitions.size ?? 0;
  /** The inner results (failed topics give their permits back) and the refused topics' answers after them. */
  const settled = <T extends { name: string | null; errorCode: number }>(results: readonly T[], refusedResults: readonly T[]): T[] => {
    for (const result of results) {
      const permits = result.name === null ? undefined : charged.get(result.name);
      if (permits !== undefined && result.errorCode !== ErrorCode.NONE) quota.giveBack(permits);
    }
    return [...results, ...refusedResults];
  };
  const refusal = { errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage: THROTTLING_QUOTA_EXCEEDED_MESSAGE };
  const plan = (filtered: unknown, settle: (response: never) => unknown): MutationPlan => ({ request: filtered, throttleMs, settle: settle as (response: unknown) => unknown });

  if (apiKey === ApiKey.CreateTopics) {
    const create = request as CreateTopicsRequest;
    const topics = create.validateOnly ? create.topics : create.topics.filter((t) => charge(t.name, t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? numPartitions : t.numPartitions));
    const refusedResult = (name: string) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name, ...refusal });
    return plan({ ...create, topics }, (answer: CreateTopicsResponse) => ({ ...answer, topics: settled(answer.topics, [...refused].map(refusedResult)) }));
  }
  if (apiKey === ApiKey.CreatePartitions) {
    const grow = request as CreatePartitionsRequest;
    const topics = grow.validateOnly ? grow.topics : grow.topics.filter((t) => charge(t.name, t.count - partitionsOf(t.name)));
    return plan({ ...grow, topics }, (answer: CreatePartitionsResponse) => ({ ...answer, results: settled(answer.results, [...refused].map((name) => ({ name, ...refusal }))) }));
  }
  const remove = request as DeleteTopicsRequest;
  const nameOf = (topic: { name: string | null; topicId: string }): string => topic.name ?? image.topics.get(topic.topicId)?.name ?? topic.topicId;
  const topicNames = remove.topicNames.filter((name) => charge(name, partitionsOf(name)));
  const topics = remove.topics.filter((t) => charge(nameOf(t), partitionsOf(nameOf(t))));
  const refusedTopics = (): { name: string | null; topicId: string }[] => [
    ...remove.topicNames.filter((n) => refused.has(n)).map((name) => ({ name, topicId: image.topicIdsByName.get(name) ?? 'AAAAAAAAAAAAAAAAAAAAAA' })),
    ...remove.topics.filter((t) => refused.has(nameOf(t))),
  ];
  return plan({ ...remove, topicNames, topics }, (answer: DeleteTopicsResponse) => ({ ...answer, responses: settled(answer.responses, refusedTopics().map((t) => ({ name: t.name, topicId: t.topicId, ...refusal }))) }));
}
