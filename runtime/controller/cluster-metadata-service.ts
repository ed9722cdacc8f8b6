import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../core/protocol/generated/messages/alter-partition.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../core/protocol/generated/messages/create-acls.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../core/protocol/generated/messages/delete-acls.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import { defaultCreateTopicsResponseCreatableTopicResult, type CreateTopicsRequest, type CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { ElectLeadersRequest, ElectLeadersResponse } from '../../core/protocol/generated/messages/elect-leaders.js';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/alter-partition-reassignments.js';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../core/protocol/generated/messages/list-partition-reassignments.js';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../core/protocol/generated/messages/alter-client-quotas.js';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../core/protocol/generated/messages/alter-user-scram-credentials.js';
import { ZERO_UUID } from '../../core/protocol/reader.js';
import { sameAclBinding, type AclBinding } from '../../core/security/acl.js';
import { clientQuotaEntityKey, ConfigResourceType, type MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { BrokerLifecycle } from './broker-lifecycle.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { ControllerUnavailableError, type ControllerChannel } from './controller-channel.js';
import { ConfigOperation } from '../../core/raft/controller/config-control.js';
import type { MetadataFollower } from './metadata-follower.js';

/** How long an operation waits for its committed records to reach this node's image. */
const APPLY_TIMEOUT_MS = 10_000;

/**
 * ClusterMetadata for the local broker: the image this node follows, and the admin operations
 * forwarded to the active controller (local or remote); each resolves once its effect shows in the
 * local image (or after APPLY_TIMEOUT_MS, answering what the controller said).
 */
export class ClusterMetadataService implements ClusterMetadata {
  constructor(
    readonly nodeId: number,
    private readonly follower: MetadataFollower,
    private readonly channel: ControllerChannel,
    private readonly lifecycle: BrokerLifecycle | null,
    private readonly requestTimeoutMs: number,
  ) {}

  image(): MetadataImage {
    return this.follower.image();
  }

  onChange(listener: (image: MetadataImage) => void): () => void {
    return this.follower.onChange(listener);
  }

  async createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const response = await this.call(
      () => this.channel.createTopics(request, request.timeoutMs > 0 ? request.timeoutMs : this.requestTimeoutMs),
      (errorCode) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => ({ ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode })) }),
    );
    if (!request.validateOnly) {
      const created = response.topics.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => t.name);
      await this.waitFor((image) => created.every((name) => image.topicIdsByName.has(name)));
    }
    return response;
  }

  async deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
    const response = await this.call(
      () => this.channel.deleteTopics(request, request.timeoutMs > 0 ? request.timeoutMs : this.requestTimeoutMs),
      (errorCode) => ({
        throttleTimeMs: 0,
        responses: [...request.topicNames.map((name) => ({ name, topicId: ZERO_UUID, errorCode, errorMessage: null })), ...request.topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null }))],
      }),
    );
    const deleted = response.responses.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.topicId);
    await this.waitFor((image) => deleted.every((topicId) => !image.topics.has(topicId)));
    return response;
  }

  async createPartitions(request: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
    const response = await this.call(
      () => this.channel.createPartitions(request, request.timeoutMs > 0 ? request.timeoutMs : this.requestTimeoutMs),
      (errorCode) => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) }),
    );
    if (!request.validateOnly) {
      const grown = request.topics.filter((t) => response.results.some((r) => r.name === t.name && r.errorCode === ErrorCode.NONE));
      await this.waitFor((image) => grown.every((t) => (image.topics.get(image.topicIdsByName.get(t.name) ?? '')?.partitions.size ?? 0) >= t.count));
    }
    return response;
  }

  async incrementalAlterConfigs(all: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
    // As a Kafka broker does before forwarding: a broker resource names this broker or the cluster default ('').
    const refusal = (resource: IncrementalAlterConfigsRequest['resources'][number]): string | null => {
      if (resource.resourceType !== ConfigResourceType.broker || resource.resourceName === '') return null;
      if (!/^\d+$/.test(resource.resourceName)) return `Node id must be an integer, but it is: ${resource.resourceName}`;
      return Number(resource.resourceName) === this.nodeId ? null : `Unexpected broker id, expected ${this.nodeId}, but received ${resource.resourceName}`;
    };
    const request = { ...all, resources: all.resources.filter((resource) => refusal(resource) === null) };
    const forwarded =
      request.resources.length === 0
        ? { throttleTimeMs: 0, responses: [] }
        : await this.call(
            () => this.channel.incrementalAlterConfigs(request),
            (errorCode) => ({ throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) }),
          );
    let next = 0;
    const response = {
      throttleTimeMs: forwarded.throttleTimeMs,
      responses: all.resources.map((resource) => {
        const refused = refusal(resource);
        return refused === null ? forwarded.responses[next++]! : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: refused, resourceType: resource.resourceType, resourceName: resource.resourceName };
      }),
    };
    if (!request.validateOnly) {
      const applied = request.resources.filter((resource) =>
        response.responses.some((r) => r.resourceType === resource.resourceType && r.resourceName === resource.resourceName && r.errorCode === ErrorCode.NONE),
      );
      await this.waitFor((image) =>
        applied.every((resource) => {
          const configs = image.configs.get(`${resource.resourceType}/${resource.resourceName}`);
          return resource.configs.every((c) =>
            c.configOperation === ConfigOperation.set ? configs?.get(c.name) === c.value : c.configOperation === ConfigOperation.delete ? !configs?.has(c.name) : true,
          );
        }),
      );
    }
    return response;
  }

  async alterUserScramCredentials(request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse> {
    const users = [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
    const response = await this.call(
      () => this.channel.alterUserScramCredentials(request),
      (errorCode) => ({ throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode, errorMessage: null })) }),
    );
    const ok = new Set(response.results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.user));
    await this.waitFor((image) =>
      request.upsertions.every((u) => !ok.has(u.name) || image.scramCredentials.get(u.name)?.get(u.mechanism)?.salt.equals(u.salt) === true) &&
      request.deletions.every((d) => !ok.has(d.name) || image.scramCredentials.get(d.name)?.has(d.mechanism) !== true),
    );
    return response;
  }

  brokerEpoch(): bigint {
    return this.lifecycle?.epoch ?? -1n;
  }

  async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse> {
    const response = await this.call(() => this.channel.alterPartition(request), (errorCode) => ({ throttleTimeMs: 0, errorCode, topics: [] }));
    // Accepted changes show in the image with the partition epoch the controller answered.
    const accepted = response.topics.flatMap((t) => t.partitions.filter((p) => p.errorCode === ErrorCode.NONE).map((p) => ({ topicId: t.topicId, name: t.topicName, p })));
    await this.waitFor((image) =>
      accepted.every(({ topicId, name, p }) => {
        const id = topicId !== ZERO_UUID ? topicId : image.topicIdsByName.get(name);
        return (image.topics.get(id ?? '')?.partitions.get(p.partitionIndex)?.partitionEpoch ?? -1) >= p.partitionEpoch;
      }),
    );
    return response;
  }

  /** ElectLeaders through the active controller; resolves once the elected leaders show in the image. */
  async electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResponse> {
    const response = await this.call(() => this.channel.electLeaders(request), (errorCode) => ({ throttleTimeMs: 0, errorCode, replicaElectionResults: [] }));
    const elected = response.replicaElectionResults.flatMap((t) => t.partitionResult.filter((p) => p.errorCode === ErrorCode.NONE).map((p) => ({ topic: t.topic, partitionId: p.partitionId })));
    await this.waitFor((image) =>
      elected.every(({ topic, partitionId }) => {
        const partition = image.topics.get(image.topicIdsByName.get(topic) ?? '')?.partitions.get(partitionId);
        return partition !== undefined && (request.electionType === 0 ? partition.leader === partition.replicas[0] : partition.leader !== -1);
      }),
    );
    return response;
  }

  /** AlterPartitionReassignments through the active controller; resolves once the accepted targets show in the image. */
  async alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<AlterPartitionReassignmentsResponse> {
    const response = await this.call(() => this.channel.alterPartitionReassignments(request), (errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, responses: [] }));
    const accepted = request.topics.flatMap((t) =>
      t.partitions.filter((p) => response.responses.some((r) => r.name === t.name && r.partitions.some((q) => q.partitionIndex === p.partitionIndex && q.errorCode === ErrorCode.NONE))).map((p) => ({ topic: t.name, p })),
    );
    await this.waitFor((image) =>
      accepted.every(({ topic, p }) => {
        const partition = image.topics.get(image.topicIdsByName.get(topic) ?? '')?.partitions.get(p.partitionIndex);
        return partition !== undefined && (p.replicas === null ? partition.addingReplicas.length === 0 : p.replicas.every((id) => partition.replicas.includes(id)));
      }),
    );
    return response;
  }

  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<ListPartitionReassignmentsResponse> {
    return this.call(() => this.channel.listPartitionReassignments(request), (errorCode) => ({ throttleTimeMs: 0, errorCode, errorMessage: null, topics: [] }));
  }

  allocateProducerIds(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    return this.call(() => this.channel.allocateProducerIds(request), (errorCode) => ({ throttleTimeMs: 0, errorCode, producerIdStart: -1n, producerIdLen: 0 }));
  }

  /** CreateAcls through the active controller; resolves once the image holds each ACL created. */
  async createAcls(request: CreateAclsRequest): Promise<CreateAclsResponse> {
    const response = await this.call(() => this.channel.createAcls(request), (errorCode) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage: null })) }));
    const created = request.creations.filter((_, i) => response.results[i]?.errorCode === ErrorCode.NONE).map((c) => ({ ...c, patternType: c.resourcePatternType }));
    await this.waitFor((image) => created.every((acl) => holdsAcl(image, acl)));
    return response;
  }

  /** DeleteAcls through the active controller; resolves once no ACL it removed is left in the image. */
  async deleteAcls(request: DeleteAclsRequest): Promise<DeleteAclsResponse> {
    const response = await this.call(() => this.channel.deleteAcls(request), (errorCode) => ({ throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) }));
    const removed = response.filterResults.flatMap((r) => r.matchingAcls);
    await this.waitFor((image) => !removed.some((acl) => holdsAcl(image, acl)));
    return response;
  }

  /** AlterClientQuotas through the active controller; resolves once the accepted entries show in the image. */
  async alterClientQuotas(request: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse> {
    const response = await this.call(
      () => this.channel.alterClientQuotas(request),
      (errorCode) => ({ throttleTimeMs: 0, entries: request.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity })) }),
    );
    if (!request.validateOnly) {
      const accepted = request.entries.filter((_, i) => response.entries[i]?.errorCode === ErrorCode.NONE);
      await this.waitFor((image) =>
        accepted.every((entry) => {
          const quotas = image.clientQuotas.get(clientQuotaEntityKey(entry.entity))?.quotas;
          return entry.ops.every((op) => (op.remove ? quotas?.has(op.key) !== true : quotas?.get(op.key) === op.value));
        }),
      );
    }
    return response;
  }

  /** Waits (bounded) for the local broker to be registered and unfenced, then asks the controller. */
  private async call<R>(ask: () => Promise<R>, failed: (errorCode: number) => R): Promise<R> {
    if (this.lifecycle !== null) await this.lifecycle.waitUntilUnfenced(this.requestTimeoutMs);
    try {
      return await ask();
    } catch (error) {
      if (error instanceof ControllerUnavailableError) return failed(ErrorCode.REQUEST_TIMED_OUT);
      throw error;
    }
  }

  private waitFor(done: (image: MetadataImage) => boolean): Promise<void> {
    if (done(this.follower.image())) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(finish, APPLY_TIMEOUT_MS);
      const unsubscribe = this.follower.onChange((image) => {
        if (done(image)) finish();
      });
    });
  }
}

function holdsAcl(image: MetadataImage, acl: AclBinding): boolean {
  for (const held of image.acls.values()) if (sameAclBinding(held, acl)) return true;
  return false;
}
