/** The entity types of AlterClientQuotas/DescribeClientQuotas, as Kafka spells them. */
export const ClientQuotaEntityType = { user: 'user', clientId: 'client-id', ip: 'ip' } as const;

/** One component of an entity; a null name is that type's `<default>` entity. */
export interface ClientQuotaEntityPart {
  readonly entityType: string;
  readonly entityName: string | null;
}

/** The quota keys and the value type Kafka's QuotaConfig declares for each. */
export const clientQuotaKeys: Readonly<Record<string, { readonly integral: boolean; readonly forIp: boolean }>> = {
  producer_byte_rate: { integral: true, forIp: false },
  consumer_byte_rate: { integral: true, forIp: false },
  request_percentage: { integral: false, forIp: false },
  controller_mutation_rate: { integral: false, forIp: false },
  connection_creation_rate: { integral: true, forIp: true },
};

const INT_MAX = 2 ** 31 - 1;

/**
 * Why an entity cannot carry quotas (Kafka's ClientQuotaControlManager, INVALID_REQUEST), or
 * undefined: no component, a type twice, an unknown type, an empty name, ip beside user/client-id.
 */
export function clientQuotaEntityProblem(entity: readonly ClientQuotaEntityPart[]): string | undefined {
  if (entity.length === 0) return 'Invalid empty client quota entity';
  const seen = new Set<string>();
  for (const { entityType, entityName } of entity) {
    if (seen.has(entityType)) return `Invalid client quota entity, duplicate entity entry ${entityType}`;
    seen.add(entityType);
    if (!Object.values(ClientQuotaEntityType).includes(entityType as never)) return `Unhandled client quota entity type: ${entityType}`;
    if (entityName === '') return `Empty ${entityType} not supported`;
  }
  if (seen.has(ClientQuotaEntityType.ip) && seen.size > 1) return 'Invalid quota entity combination, IP entity should not be combined with User or ClientId';
  return undefined;
}

/** Why `key = value` is refused for an entity of these types (INVALID_REQUEST), or undefined. */
export function clientQuotaValueProblem(isIpEntity: boolean, key: string, value: number): string | undefined {
  const definition = Object.hasOwn(clientQuotaKeys, key) ? clientQuotaKeys[key] : undefined;
  if (definition === undefined || definition.forIp !== isIpEntity) return `Invalid configuration key ${key}`;
  if (!(value > 0)) return `Quota ${key} must be greater than 0`;
  if (!definition.integral) return undefined;
  if (key === 'connection_creation_rate' && value > INT_MAX) return `Proposed value for ${key} is too large for an INT.`;
  if (value >= 2 ** 63) return `Proposed value for ${key} is too large for a LONG.`;
  if (Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`;
  return undefined;
}

/** DescribeClientQuotas' match types. */
export const ClientQuotaMatchType = { exact: 0, default: 1, specified: 2 } as const;

export interface ClientQuotaFilterComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

/** A refused filter: the error Kafka answers (INVALID_REQUEST, or UNSUPPORTED_VERSION for an unknown type). */
export class ClientQuotaFilterError extends Error {
  override readonly name = 'ClientQuotaFilterError';

  constructor(
    message: string,
    readonly unsupportedType: boolean,
  ) {
    super(message);
  }
}

/**
 * DescribeClientQuotas' filter as a predicate over stored entities: exact (a name, or null for
 * `<default>`), default, specified (any entity that has the type); strict admits only entities
 * with no other types. Throws ClientQuotaFilterError for what Kafka refuses.
 */
export function clientQuotaFilter(components: readonly ClientQuotaFilterComponent[], strict: boolean): (entity: readonly ClientQuotaEntityPart[]) => boolean {
  const exact = new Map<string, string | null>();
  const specified = new Set<string>();
  for (const component of components) {
    const type = component.entityType;
    if (type === '') throw new ClientQuotaFilterError('Invalid empty entity type.', false);
    if (exact.has(type) || specified.has(type)) throw new ClientQuotaFilterError(`Entity type ${type} cannot appear more than once in the filter.`, false);
    if (!Object.values(ClientQuotaEntityType).includes(type as never)) throw new ClientQuotaFilterError(`Unsupported entity type ${type}`, true);
    switch (component.matchType) {
      case ClientQuotaMatchType.exact:
        if (component.match === null) throw new ClientQuotaFilterError('Request specified MATCH_TYPE_EXACT, but set match string to null.', false);
        exact.set(type, component.match);
        break;
      case ClientQuotaMatchType.default:
        if (component.match !== null) throw new ClientQuotaFilterError('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.', false);
        exact.set(type, null);
        break;
      case ClientQuotaMatchType.specified:
        if (component.match !== null) throw new ClientQuotaFilterError('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.', false);
        specified.add(type);
        break;
      default:
        throw new ClientQuotaFilterError(`Unknown match type ${component.matchType}`, false);
    }
  }
  const has = (type: string): boolean => exact.has(type) || specified.has(type);
  if (has(ClientQuotaEntityType.ip) && (has(ClientQuotaEntityType.user) || has(ClientQuotaEntityType.clientId))) {
    throw new ClientQuotaFilterError('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.', false);
  }
  return (entity) => {
    if (strict && entity.length !== exact.size + specified.size) return false;
    const names = new Map(entity.map((part) => [part.entityType, part.entityName]));
    for (const [type, name] of exact) if (!names.has(type) || names.get(type) !== name) return false;
    for (const type of specified) if (!names.has(type)) return false;
    return true;
  };
}
