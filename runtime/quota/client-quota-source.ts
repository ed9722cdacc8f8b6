import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { ClientQuotaLookup } from '../../core/security/client-quota-resolution.js';
import type { ClientQuotaSource } from '../../core/security/client-quota-manager.js';

/** Kafka's removed static defaults, still read as the `<default>` client-id entity's quotas. */
export interface StaticClientQuotaDefaults {
  readonly producerByteRate: number | null;
  readonly consumerByteRate: number | null;
}

function part(name: string | null | undefined): string {
  return name === undefined ? '-' : name === null ? '*' : `=${name}`;
}

/**
 * The client quotas of a metadata image as ClientQuotaManager reads them: per quota key, the
 * stored (user, client-id) entities and their values, rebuilt when the image changes (rarely)
 * so that each request's lookup is a few map reads. The static defaults apply only where the
 * image has no `<default>` client-id value of its own (a dynamic quota overrides them).
 */
export class ClientQuotaIndex {
  private byKey = new Map<string, Map<string, number>>();

  constructor(private readonly defaults: StaticClientQuotaDefaults) {
    this.rebuild(null);
  }

  rebuild(image: MetadataImage | null): void {
    const byKey = new Map<string, Map<string, number>>();
    const put = (key: string, user: string | null | undefined, clientId: string | null | undefined, value: number): void => {
      let entities = byKey.get(key);
      if (entities === undefined) byKey.set(key, (entities = new Map()));
      entities.set(`${part(user)}\u0000${part(clientId)}`, value);
    };
    for (const { entity, quotas } of image?.clientQuotas.values() ?? []) {
      if (entity.some((e) => e.entityType === 'ip')) continue;
      const user = entity.find((e) => e.entityType === 'user');
      const clientId = entity.find((e) => e.entityType === 'client-id');
      for (const [key, value] of quotas) put(key, user === undefined ? undefined : user.entityName, clientId === undefined ? undefined : clientId.entityName, value);
    }
    const fallback = (key: string, value: number | null): void => {
      if (value !== null && byKey.get(key)?.has(`-\u0000*`) !== true) put(key, undefined, null, value);
    };
    fallback('producer_byte_rate', this.defaults.producerByteRate);
    fallback('consumer_byte_rate', this.defaults.consumerByteRate);
    this.byKey = byKey;
  }

  readonly source: ClientQuotaSource = (key) => {
    const entities = this.byKey.get(key);
    if (entities === undefined) return null;
    const lookup: ClientQuotaLookup = (user, clientId) => entities.get(`${part(user)}\u0000${part(clientId)}`);
    return lookup;
  };
}
