import { Command } from 'commander';
import { Admin, configSourceNames, type ConfigAlteration, type ConfigEntry, type ConfigResourceKind } from '../client/admin.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { isClientQuotaEntity, runClientQuotaConfigs, type ClientQuotaOptions } from './client-quotas-configs.js';
import { bootstrapServerOption, clientAction, collect, parseKeyValues, ToolUsageError } from './kafka-tool.js';
import { isScramConfigs, runScramConfigs } from './configs-scram.js';

export interface ConfigsOptions extends ClientQuotaOptions {
  bootstrapServer: string;
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  describe?: boolean;
  alter?: boolean;
  all?: boolean;
  addConfig?: string[];
  deleteConfig?: string[];
}

export interface ConfigsRequest {
  kind: ConfigResourceKind;
  /** null: every entity of the kind (describe only); '' for the cluster-wide broker default. */
  name: string | null;
  action: 'describe' | 'alter';
  alterations: ConfigAlteration[];
}

/**
 * Splits `--add-config` text on commas outside square brackets, so a list
 * value is written `k=[a,b]`, as Kafka's ConfigCommand takes it.
 */
export function splitConfigList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '[') depth++;
    if (char === ']') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += char;
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

/** The entity and action asked for, checked as Kafka's ConfigCommand checks them. */
export function configsRequest(options: ConfigsOptions): ConfigsRequest {
  if (options.describe === options.alter || (options.describe !== true && options.alter !== true)) {
    throw new ToolUsageError('Command must include exactly one action: --describe or --alter');
  }
  let kind: ConfigResourceKind;
  let name: string | null;
  if (options.topic !== undefined || options.broker !== undefined) {
    kind = options.topic !== undefined ? 'topic' : 'broker';
    name = options.topic ?? options.broker!;
  } else {
    if (options.entityType !== 'topics' && options.entityType !== 'brokers') {
      throw new ToolUsageError(`--entity-type must be topics or brokers${options.entityType === undefined ? '' : `, not ${options.entityType}`}`);
    }
    kind = options.entityType === 'topics' ? 'topic' : 'broker';
    name = options.entityDefault ? '' : (options.entityName ?? null);
  }
  if (options.entityDefault && kind === 'topic') throw new ToolUsageError('--entity-default applies to brokers only');
  if (kind === 'broker' && name !== null && name !== '' && !/^\d+$/.test(name)) {
    throw new ToolUsageError(`The entity name for brokers must be a broker id, not "${name}"`);
  }
  if (options.describe) return { kind, name, action: 'describe', alterations: [] };
  if (name === null) throw new ToolUsageError('--alter needs --entity-name (or --entity-default for brokers)');
  const added = parseKeyValues(splitConfigList((options.addConfig ?? []).join(',')), '--add-config');
  const deleted = splitConfigList((options.deleteConfig ?? []).join(','));
  if (added.size === 0 && deleted.length === 0) throw new ToolUsageError('--alter needs --add-config or --delete-config');
  for (const key of deleted) if (added.has(key)) throw new ToolUsageError(`Config ${key} is both added and deleted`);
  const alterations: ConfigAlteration[] = [
    ...[...added].map(([configName, value]) => ({ name: configName, op: 'set' as const, value: value.replace(/^\[(.*)\]$/, '$1') })),
    ...deleted.map((configName) => ({ name: configName, op: 'delete' as const })),
  ];
  return { kind, name, action: 'alter', alterations };
}

const DYNAMIC_SOURCES: Readonly<Record<ConfigResourceKind, number[]>> = { topic: [1], broker: [2] };
const DYNAMIC_DEFAULT_BROKER = 3;

function entityLabel(kind: ConfigResourceKind, name: string): string {
  if (kind === 'broker' && name === '') return 'brokers in the cluster';
  return `${kind} ${name}`;
}

/** Kafka's describe block: a heading, then `  name=value sensitive=… synonyms={SOURCE:name=value, …}` per config. */
export function formatConfigs(kind: ConfigResourceKind, name: string, configs: readonly ConfigEntry[], all: boolean): string {
  const defaultEntity = kind === 'broker' && name === '';
  const dynamic = defaultEntity ? [DYNAMIC_DEFAULT_BROKER] : DYNAMIC_SOURCES[kind];
  const shown = all ? configs : configs.filter((config) => dynamic.includes(config.source));
  const heading = all ? 'All configs' : defaultEntity ? 'Default configs' : 'Dynamic configs';
  const value = (text: string | null, sensitive: boolean): string => (sensitive ? 'null' : (text ?? 'null'));
  const lines = [`${heading} for ${entityLabel(kind, name)} are:`];
  for (const config of [...shown].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const synonyms = config.synonyms
      .map((synonym) => `${configSourceNames.get(synonym.source) ?? 'UNKNOWN'}:${synonym.name}=${value(synonym.value, config.isSensitive)}`)
      .join(', ');
    lines.push(`  ${config.name}=${value(config.value, config.isSensitive)} sensitive=${config.isSensitive} synonyms={${synonyms}}`);
  }
  return lines.join('\n') + '\n';
}

async function runConfigs(client: KafkaClient, options: ConfigsOptions): Promise<void> {
  if (isScramConfigs(options)) return runScramConfigs(client, options);
  if (isClientQuotaEntity(options)) {
    return runClientQuotaConfigs(client, options, splitConfigList((options.addConfig ?? []).join(',')), splitConfigList((options.deleteConfig ?? []).join(',')));
  }
  const request = configsRequest(options);
  const admin = new Admin(client);
  if (request.action === 'alter') {
    await admin.incrementalAlterConfigs(request.kind, request.name!, request.alterations);
    const target = request.kind === 'broker' && request.name === '' ? 'default config for brokers in the cluster' : `config for ${request.kind} ${request.name}`;
    process.stdout.write(`Completed updating ${target}.\n`);
    return;
  }
  const names =
    request.name !== null
      ? [request.name]
      : request.kind === 'topic'
        ? await admin.listTopics()
        : (await client.metadata([])).brokers.map((broker) => String(broker.nodeId)).sort((a, b) => Number(a) - Number(b));
  for (const name of names) {
    const configs = await admin.describeConfigs(request.kind, name, { includeSynonyms: true });
    process.stdout.write(formatConfigs(request.kind, name, configs, options.all === true));
  }
}

/** `freshet configs`, as Kafka's kafka-configs tool (topics, brokers, and the client quotas of users, clients and ips). */
export function configsCommand(): Command {
  return new Command('configs')
    .description('Describe or change topic and broker configs (like kafka-configs)')
    .addOption(bootstrapServerOption())
    .option('--entity-type <type>', 'topics, brokers, users (client quotas, SCRAM credentials), clients or ips')
    .option('--entity-name <name>', 'the topic name, broker id, user, client id or ip (all of them for --describe when absent)')
    .option('--entity-default', 'the cluster-wide default of broker configs, or the <default> user, client id or ip')
    .option('--user <principal>', 'client quotas of a user (with --client: of that user and client id)')
    .option('--client <client-id>', 'client quotas of a client id')
    .option('--user-defaults', 'client quotas of the <default> user')
    .option('--client-defaults', 'client quotas of the <default> client id')
    .option('--topic <topic>', 'shorthand for --entity-type topics --entity-name <topic>')
    .option('--broker <id>', 'shorthand for --entity-type brokers --entity-name <id>')
    .option('--describe', 'print the configs')
    .option('--all', 'with --describe: every config, not only the dynamic ones')
    .option('--alter', 'change configs')
    .option('--add-config <k=v,k2=[a,b]>', 'configs to set (repeatable)', collect)
    .option('--delete-config <k,k2>', 'configs to remove, back to their defaults (repeatable)', collect)
    .action(clientAction<ConfigsOptions>(runConfigs, 'freshet-configs'));
}
