import { AclOperation, CLUSTER_NAME, ResourceType } from '../../core/security/acl.js';
import { StandardAuthorizer, type AuthorizerSettings, type Requester } from '../../core/security/authorizer.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { authorizerSettings } from '../config/authorizer-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { RequestContext } from '../handlers/registry.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';

/** The client's address as ACL hosts name it: `10.0.0.1` of `10.0.0.1:52100`, `::1` of `::1:52100`, IPv4 of `::ffff:`. */
export function requestHost(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  const host = colon < 0 ? clientAddress : clientAddress.slice(0, colon);
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice('::ffff:'.length) : host;
}

/**
 * The authorizer as request handling uses it: Kafka's StandardAuthorizer over the ACLs of this
 * node's metadata image (rebuilt after the image changed, so every node enforces what the log
 * says), asked through a RequestAuthorization per request.
 */
export class RequestAuthorizer {
  private authorizer: StandardAuthorizer | null = null;
  private readonly denials;

  constructor(
    private readonly settings: AuthorizerSettings,
    private readonly metadata: Pick<ClusterMetadata, 'image' | 'onChange'>,
    metrics: BrokerMetrics,
  ) {
    this.denials = metrics.counter({ name: 'freshet_authorization_denials_total', help: 'Requests or resources the authorizer denied, by API.', labelNames: ['api'] as const });
    metadata.onChange(() => {
      this.authorizer = null;
    });
  }

  /** Null when `authorizer.class.name` names no authorizer: then nothing is checked, as in Kafka. */
  static fromConfig(config: BrokerConfig, metadata: Pick<ClusterMetadata, 'image' | 'onChange'>, metrics: BrokerMetrics): RequestAuthorizer | null {
    const settings = authorizerSettings(config.values);
    return settings === null ? null : new RequestAuthorizer(settings, metadata, metrics);
  }

  image(): MetadataImage {
    return this.metadata.image();
  }

  /** The questions one request asks; `api` labels its denials. */
  forRequest(context: RequestContext, api: string): RequestAuthorization {
    return new RequestAuthorization(this.current(), { principal: context.principal, host: requestHost(context.clientAddress) }, () => this.denials.inc({ api }));
  }

  private current(): StandardAuthorizer {
    this.authorizer ??= new StandardAuthorizer(this.metadata.image().acls.values(), this.settings);
    return this.authorizer;
  }
}

/** One question per resource type, for one request's principal and host; each denial counted. */
export class RequestAuthorization {
  constructor(
    private readonly authorizer: StandardAuthorizer,
    private readonly who: Requester,
    private readonly countDenial: () => void,
  ) {}

  topic(operation: number, name: string): boolean {
    return this.check(operation, ResourceType.topic, name);
  }

  group(operation: number, groupId: string): boolean {
    return this.check(operation, ResourceType.group, groupId);
  }

  transactionalId(operation: number, transactionalId: string): boolean {
    return this.check(operation, ResourceType.transactionalId, transactionalId);
  }

  cluster(operation: number): boolean {
    return this.check(operation, ResourceType.cluster, CLUSTER_NAME);
  }

  /** InitProducerId without a transactional id: IdempotentWrite on the cluster, or Write on some topic (KIP-679). */
  idempotentProducer(): boolean {
    if (this.allows(AclOperation.idempotentWrite, ResourceType.cluster, CLUSTER_NAME) || this.authorizer.authorizeByResourceType(this.who, AclOperation.write, ResourceType.topic)) return true;
    this.countDenial();
    return false;
  }

  /** An authorized-operations field. */
  operations(resourceType: number, name: string): number {
    return this.authorizer.authorizedOperations(this.who, resourceType, name);
  }

  /** A question that shapes an answer (which topics a listing shows) rather than refusing: not a denial. */
  allows(operation: number, resourceType: number, name: string): boolean {
    return this.authorizer.authorize(this.who, operation, resourceType, name);
  }

  private check(operation: number, resourceType: number, name: string): boolean {
    if (this.allows(operation, resourceType, name)) return true;
    this.countDenial();
    return false;
  }
}
