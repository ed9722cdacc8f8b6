/**
 * A stored quota value for one key: `user`/`clientId` undefined when the entity has no such
 * component, null for its `<default>` entity, else the name.
 */
export type ClientQuotaLookup = (user: string | null | undefined, clientId: string | null | undefined) => number | undefined;

/** The quota that applies to a client, and the group of clients that share its measurement. */
export interface ResolvedClientQuota {
  readonly bound: number;
  /** Kafka's metric tags: clients with the same (user, clientId) here share one sensor; '' for "not part of it". */
  readonly user: string;
  readonly clientId: string;
}

/**
 * Kafka's precedence (DefaultQuotaCallback), most specific first; the first stored entity wins:
 *   1. user + client-id          5. <default> user + <default> client-id
 *   2. user + <default> client   6. <default> user
 *   3. user                      7. client-id
 *   4. <default> user + client   8. <default> client-id
 * The first four and 5 are shared per (user, client-id), 3 and 6 per user, 7 and 8 per client id.
 */
export function resolveClientQuota(lookup: ClientQuotaLookup, user: string, clientId: string): ResolvedClientQuota | null {
  const levels: readonly [string | null | undefined, string | null | undefined, string, string][] = [
    [user, clientId, user, clientId],
    [user, null, user, clientId],
    [user, undefined, user, ''],
    [null, clientId, user, clientId],
    [null, null, user, clientId],
    [null, undefined, user, ''],
    [undefined, clientId, '', clientId],
    [undefined, null, '', clientId],
  ];
  for (const [u, c, tagUser, tagClientId] of levels) {
    const bound = lookup(u, c);
    if (bound !== undefined) return { bound, user: tagUser, clientId: tagClientId };
  }
  return null;
}
