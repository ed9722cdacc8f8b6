import { throwIfError } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { AlterClientQuotasResponse } from '../core/protocol/generated/messages/alter-client-quotas.js';
import type { DescribeClientQuotasResponse } from '../core/protocol/generated/messages/describe-client-quotas.js';
import { ClientQuotaMatchType, type ClientQuotaEntityPart } from '../core/security/client-quota-entity.js';
import { parseKeyValues, ToolUsageError } from './kafka-tool.js';

/** kafka-configs' entity types for client quotas, and the entity type each one is on the wire. */
const quotaEntityTypes: Readonly<Record<string, string>> = { users: 'user', clients: 'client-id', ips: 'ip' };

export interface ClientQuotaOptions {
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  user?: string;
  client?: string;
  userDefaults?: boolean;
  clientDefaults?: boolean;
  describe?: boolean;
  alter?: boolean;
}

/** True when the options name a client quota entity (users, clients, ips) rather than a topic or broker. */
export function isClientQuotaEntity(options: ClientQuotaOptions): boolean {
  return (
    (options.entityType !== undefined && Object.hasOwn(quotaEntityTypes, options.entityType)) ||
    options.user !== undefined ||
    options.client !== undefined ||
    options.userDefaults === true ||
    options.clientDefaults === true
  );
}

/**
 * The entity as kafka-configs takes it: `--entity-type users|clients|ips` with `--entity-name` or
 * `--entity-default`, or `--user`/`--user-defaults` and `--client`/`--client-defaults` (both for a
 * (user, client-id) entity). A name of undefined means "every entity of that type" (describe only).
 */
export function clientQuotaEntity(options: ClientQuotaOptions): { entityType: string; entityName: string | null | undefined }[] {
  const parts: { entityType: string; entityName: string | null | undefined }[] = [];
  if (options.entityType !== undefined) {
    const type = quotaEntityTypes[options.entityType];
    if (type === undefined) throw new ToolUsageError(`--entity-type must be users, clients or ips, not ${options.entityType}`);
    parts.push({ entityType: type, entityName: options.entityDefault ? null : options.entityName });
  }
  const add = (type: string, name: string | undefined, defaults: boolean | undefined): void => {
    if (name === undefined && defaults !== true) return;
    if (parts.some((p) => p.entityType === type)) throw new ToolUsageError(`The ${type} entity is given twice`);
    parts.push({ entityType: type, entityName: defaults === true ? null : name });
  };
  add('user', options.user, options.userDefaults);
  add('client-id', options.client, options.clientDefaults);
  if (parts.some((p) => p.entityType === 'ip') && parts.length > 1) throw new ToolUsageError('An ip entity cannot be combined with users or clients');
  return parts;
}

/** `--add-config k=v` values as the numbers AlterClientQuotas takes. */
export function clientQuotaOps(added: readonly string[], deleted: readonly string[]): { key: string; value: number; remove: boolean }[] {
  const values = parseKeyValues(added, '--add-config');
  const ops = [...values].map(([key, text]) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new ToolUsageError(`Cannot parse quota configuration value for ${key}: ${text}`);
    return { key, value, remove: false };
  });
  for (const key of deleted) {
    if (values.has(key)) throw new ToolUsageError(`Config ${key} is both added and deleted`);
    ops.push({ key, value: 0, remove: true });
  }
  if (ops.length === 0) throw new ToolUsageError('--alter needs --add-config or --delete-config');
  return ops;
}

/** A quota value as Kafka's tool prints it (a Java double: 524288.0). */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** `Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=524288.0`, as kafka-configs prints it. */
export function formatClientQuotas(entries: readonly { entity: readonly ClientQuotaEntityPart[]; values: readonly { key: string; value: number }[] }[]): string {
  const label: Readonly<Record<string, string>> = { user: 'user-principal', 'client-id': 'client-id', ip: 'ip' };
  return entries
    .map(({ entity, values }) => {
      const parts = ['user', 'client-id', 'ip'].flatMap((type) => {
        const part = entity.find((p) => p.entityType === type);
        if (part === undefined) return [];
        return [part.entityName === null ? `the default ${label[type]}` : `${label[type]} '${part.entityName}'`];
      });
      return `Quota configs for ${parts.join(', ')} are ${values.map((v) => `${v.key}=${javaDouble(v.value)}`).join(', ')}\n`;
    })
    .join('');
}

async function describe(client: KafkaClient, entity: ReturnType<typeof clientQuotaEntity>): Promise<DescribeClientQuotasResponse['entries'] & object> {
  const connection = await client.anyConnection();
  const response = await connection.request<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, {
    strict: true,
    components: entity.map((part) =>
      part.entityName === undefined
        ? { entityType: part.entityType, matchType: ClientQuotaMatchType.specified, match: null }
        : part.entityName === null
          ? { entityType: part.entityType, matchType: ClientQuotaMatchType.default, match: null }
          : { entityType: part.entityType, matchType: ClientQuotaMatchType.exact, match: part.entityName },
    ),
  });
  throwIfError(response.errorCode, 'DescribeClientQuotas', response.errorMessage);
  return response.entries ?? [];
}

/** `freshet configs` for users, clients and ips: AlterClientQuotas and DescribeClientQuotas, printed as kafka-configs does. */
export async function runClientQuotaConfigs(client: KafkaClient, options: ClientQuotaOptions, added: readonly string[], deleted: readonly string[]): Promise<void> {
  if (options.describe === options.alter) throw new ToolUsageError('Command must include exactly one action: --describe or --alter');
  const entity = clientQuotaEntity(options);
  if (options.describe) {
    process.stdout.write(formatClientQuotas(await describe(client, entity)));
    return;
  }
  if (entity.some((part) => part.entityName === undefined)) throw new ToolUsageError('--entity-name or --entity-default must be specified with each --entity-type for --alter');
  const ops = clientQuotaOps(added, deleted);
  // As Kafka's tool: deleting a key the entity does not have is refused before anything changes.
  const current = (await describe(client, entity))[0]?.values.map((v) => v.key) ?? [];
  const missing = ops.filter((op) => op.remove && !current.includes(op.key)).map((op) => op.key);
  if (missing.length > 0) throw new ToolUsageError(`Invalid config(s): ${missing.join(',')}`);
  const connection = await client.anyConnection();
  const response = await connection.request<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, {
    validateOnly: false,
    entries: [{ entity: entity.map((part) => ({ entityType: part.entityType, entityName: part.entityName ?? null })), ops }],
  });
  for (const entry of response.entries) throwIfError(entry.errorCode, 'AlterClientQuotas', entry.errorMessage);
  const head = entity[0]!;
  const typeName = Object.keys(quotaEntityTypes).find((k) => quotaEntityTypes[k] === head.entityType)!;
  process.stdout.write(head.entityName === null ? `Completed updating default config for ${typeName} in the cluster.\n` : `Completed updating config for ${typeName.slice(0, -1)} ${head.entityName}.\n`);
}
