import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../core/protocol/generated/messages/allocate-producer-ids.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../core/protocol/generated/messages/alter-partition.js';
import type { CreateAclsRequest, CreateAclsResponse } from '../../core/protocol/generated/messages/create-acls.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../core/protocol/generated/messages/delete-acls.js';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../core/protocol/generated/messages/create-partitions.js';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../core/protocol/generated/messages/create-topics.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../core/protocol/generated/messages/delete-topics.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../core/protocol/generated/messages/alter-client-quotas.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../core/protocol/generated/messages/incremental-alter-configs.js';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../core/protocol/generated/messages/alter-user-scram-credentials.js';

/**
 * What the broker side sees of the metadata quorum: the image built from the
 * committed `__cluster_metadata` log, and the controller operations it forwards
 * (as Kafka brokers forward admin requests to the active controller). Each
 * operation resolves once its records are committed and applied to `image()`.
 */
export interface ClusterMetadata {
  readonly nodeId: number;
  /** The image as of the last applied committed record; callers must not change it. */
  image(): MetadataImage;
  /** Called after committed records are applied; returns an unsubscribe function. */
  onChange(listener: (image: MetadataImage) => void): () => void;
  createTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse>;
  deleteTopics(request: DeleteTopicsRequest): Promise<DeleteTopicsResponse>;
  createPartitions(request: CreatePartitionsRequest): Promise<CreatePartitionsResponse>;
  incrementalAlterConfigs(request: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse>;
  /** This broker's epoch from its registration (-1 until registered): AlterPartition and AllocateProducerIds carry it. */
  brokerEpoch?(): bigint;
  /** ISR changes of partitions this broker leads; resolves once applied to image() (or with the controller's error). */
  alterPartition?(request: AlterPartitionRequest): Promise<AlterPartitionResponse>;
  /** A block of producer ids for this broker (InitProducerId). */
  allocateProducerIds?(request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse>;
  /** CreateAcls/DeleteAcls through the active controller; resolve once the change shows in image(). */
  createAcls?(request: CreateAclsRequest): Promise<CreateAclsResponse>;
  deleteAcls?(request: DeleteAclsRequest): Promise<DeleteAclsResponse>;
  /** Client quotas through the controller; resolves once the accepted changes show in image(). */
  alterClientQuotas?(request: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse>;
  /** SCRAM credentials through the active controller; resolves once they show in image(). */
  alterUserScramCredentials?(request: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse>;
}
