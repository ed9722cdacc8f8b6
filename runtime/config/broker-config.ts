import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { brokerConfigDefinitions, type BrokerConfigValues } from './broker-config-definitions.js';
import { ConfigError, configValueText, parseConfigValue } from './config-definition.js';
import { parseProperties } from './properties.js';

export type ProcessRole = 'broker' | 'controller';

export interface Endpoint {
  readonly listenerName: string;
  /** '' binds every interface (as Kafka's `PLAINTEXT://:9092`). */
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export interface QuorumVoter {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** The validated configuration of one node, with the values derived from several keys resolved once. */
export interface BrokerConfig {
  readonly values: BrokerConfigValues;
  /** Each key's value as Kafka prints it (int64 exact), null when unset without a default. */
  readonly texts: Readonly<Record<string, string | null>>;
  /**
   * The known keys server.properties (and --override) set, as given: Kafka's STATIC_BROKER_CONFIG;
   * also every per-listener key (`listener.name.<listener>.<key>`, see `listenerConfigValue`).
   */
  readonly staticProperties: Readonly<Record<string, string>>;
  readonly processRoles: ReadonlySet<ProcessRole>;
  readonly nodeId: number;
  readonly listeners: readonly Endpoint[];
  /** What Metadata tells clients: advertised.listeners, else the non-controller listeners. */
  readonly advertisedListeners: readonly Endpoint[];
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string | null;
  readonly quorumVoters: readonly QuorumVoter[];
  /** Absolute paths (relative ones resolve against the working directory, as in Kafka). */
  readonly logDirs: readonly string[];
  /** Where __cluster_metadata lives: metadata.log.dir, else the first log dir. */
  readonly metadataLogDir: string;
  /** log.retention.ms, else minutes, else hours; -1 means unlimited. */
  readonly logRetentionMs: number;
  readonly logRollMs: number;
}

export interface LoadedBrokerConfig {
  readonly config: BrokerConfig;
  /** Unknown keys: reported, not fatal (Kafka logs them the same way). */
  readonly warnings: readonly string[];
}

export function readBrokerConfigFile(path: string, overrides: Record<string, string> = {}): LoadedBrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read config file ${path}: ${(cause as Error).message}`);
  }
  const properties: Record<string, string> = {};
  for (const [key, entry] of parseProperties(text)) properties[key] = entry.value;
  return loadBrokerConfig({ ...properties, ...overrides });
}

/** Parses and validates raw key/value text; throws ConfigError naming the first bad key and value. */
export function loadBrokerConfig(properties: Record<string, string>): LoadedBrokerConfig {
  const known = new Map<string, (typeof brokerConfigDefinitions)[number]>(
    brokerConfigDefinitions.map((definition) => [definition.key, definition]),
  );
  const warnings = Object.keys(properties)
    .filter((key) => !known.has(key) && !isListenerKey(key))
    .map((key) => `Unknown configuration ${key} is ignored`);
  const values: Record<string, unknown> = {};
  const texts: Record<string, string | null> = {};
  const staticProperties: Record<string, string> = {};
  for (const definition of brokerConfigDefinitions) {
    const given = properties[definition.key];
    if (given !== undefined) staticProperties[definition.key] = given;
    const text = given ?? definition.defaultValue;
    values[definition.key] = text === null ? null : parseConfigValue(definition, text);
    texts[definition.key] = text === null ? null : configValueText(definition, text);
  }
  for (const [key, value] of Object.entries(properties)) if (isListenerKey(key)) staticProperties[key] = value;
  return { config: deriveBrokerConfig(values as unknown as BrokerConfigValues, texts, staticProperties), warnings };
}

function deriveBrokerConfig(values: BrokerConfigValues, texts: Record<string, string | null>, staticProperties: Record<string, string>): BrokerConfig {
  const processRoles = new Set(values['process.roles'] as readonly ProcessRole[]);
  if (processRoles.size === 0) {
    throw new ConfigError('process.roles must be set to broker, controller, or broker,controller');
  }
  const nodeId = values['node.id'];
  if (nodeId < 0) throw new ConfigError(`node.id must be set to a value >= 0 (got ${nodeId})`);

  const protocolMap = parseSecurityProtocolMap(values['listener.security.protocol.map']);
  const controllerListenerNames = (values['controller.listener.names'] ?? []).map((name) => name.toUpperCase());
  const protocolOf = (name: string): string => {
    const protocol = protocolMap.get(name) ?? (controllerListenerNames.includes(name) ? 'PLAINTEXT' : undefined);
    if (protocol === undefined) {
      throw new ConfigError(`Listener ${name} has no entry in listener.security.protocol.map`);
    }
    if (!SECURITY_PROTOCOLS.includes(protocol)) {
      throw new ConfigError(`Listener ${name} uses security protocol ${protocol}; expected one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    return protocol;
  };
  const listeners = parseEndpoints('listeners', values.listeners, protocolOf);
  const listenerNames = listeners.map((endpoint) => endpoint.listenerName);

  if (processRoles.has('controller')) {
    if (controllerListenerNames.length === 0) {
      throw new ConfigError('controller.listener.names must be set on a node with the controller role');
    }
    for (const name of controllerListenerNames) {
      if (!listenerNames.includes(name)) {
        throw new ConfigError(`controller.listener.names contains ${name}, which is not in listeners (${values.listeners.join(',')})`);
      }
    }
  } else {
    const misplaced = controllerListenerNames.find((name) => listenerNames.includes(name));
    if (misplaced !== undefined) {
      throw new ConfigError(`listeners must not contain the controller listener ${misplaced} on a broker-only node`);
    }
  }

  const quorumVoters = values['controller.quorum.voters'].map(parseVoter);
  if (quorumVoters.length === 0 && values['controller.quorum.bootstrap.servers'].length === 0) {
    throw new ConfigError('controller.quorum.voters (or controller.quorum.bootstrap.servers) must be set');
  }
  if (processRoles.has('controller') && quorumVoters.length > 0 && !quorumVoters.some((v) => v.nodeId === nodeId)) {
    throw new ConfigError(`node.id ${nodeId} has the controller role but is not in controller.quorum.voters`);
  }

  const brokerListeners = listeners.filter((endpoint) => !controllerListenerNames.includes(endpoint.listenerName));
  if (processRoles.has('broker') && brokerListeners.length === 0) {
    throw new ConfigError('listeners must contain at least one non-controller listener on a node with the broker role');
  }
  const advertisedListeners =
    values['advertised.listeners'] === null
      ? brokerListeners.map((endpoint) => ({ ...endpoint, host: endpoint.host === '' ? hostname() : endpoint.host }))
      : parseEndpoints('advertised.listeners', values['advertised.listeners'], protocolOf);

  const interBrokerListenerName = processRoles.has('broker')
    ? (values['inter.broker.listener.name']?.toUpperCase() ?? 'PLAINTEXT')
    : null;
  if (interBrokerListenerName !== null && !listenerNames.includes(interBrokerListenerName)) {
    throw new ConfigError(`inter.broker.listener.name ${interBrokerListenerName} is not one of listeners (${listenerNames.join(',')})`);
  }
  // The replica fetchers, the Raft peers and the controller channel speak PLAINTEXT only so far:
  // refuse at start rather than fail every connection between nodes.
  const plaintextOnly = [
    ...(interBrokerListenerName === null ? [] : [['inter.broker.listener.name', interBrokerListenerName]]),
    ...controllerListenerNames.filter((name) => listenerNames.includes(name)).map((name) => ['controller.listener.names', name]),
  ];
  for (const [key, name] of plaintextOnly) {
    const protocol = listeners.find((endpoint) => endpoint.listenerName === name)!.securityProtocol;
    if (protocol !== 'PLAINTEXT') throw new ConfigError(`${key}: listener ${name} is ${protocol}, but traffic between nodes uses PLAINTEXT only for now`);
  }

  const logDirs = (values['log.dirs'] ?? [values['log.dir']]).map((dir) => resolve(dir));
  if (logDirs.length === 0 || values['log.dirs']?.some((dir) => dir === '')) {
    throw new ConfigError('log.dirs must name at least one directory');
  }

  if (values['group.min.session.timeout.ms'] > values['group.max.session.timeout.ms']) {
    throw new ConfigError('group.min.session.timeout.ms must not exceed group.max.session.timeout.ms');
  }

  return {
    values,
    texts,
    staticProperties,
    processRoles,
    nodeId,
    listeners,
    advertisedListeners,
    controllerListenerNames,
    interBrokerListenerName,
    quorumVoters,
    logDirs,
    metadataLogDir: values['metadata.log.dir'] === null ? logDirs[0]! : resolve(values['metadata.log.dir']),
    logRetentionMs: retentionMs(values),
    logRollMs: values['log.roll.ms'] ?? values['log.roll.hours'] * 3_600_000,
  };
}

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Kafka's per-listener overrides: `listener.name.<listener, lower case>.<key>` (SASL and SSL keys). */
const LISTENER_KEY_PREFIX = 'listener.name.';

function isListenerKey(key: string): boolean {
  return key.startsWith(LISTENER_KEY_PREFIX) && key.indexOf('.', LISTENER_KEY_PREFIX.length) > LISTENER_KEY_PREFIX.length;
}

/**
 * A key's value for one listener as Kafka resolves it: `listener.name.<listener>.<key>`
 * when set, else the broker-wide key (its default when unset), else null.
 */
export function listenerConfigValue(config: BrokerConfig, listenerName: string, key: string): string | null {
  return config.staticProperties[`${LISTENER_KEY_PREFIX}${listenerName.toLowerCase()}.${key}`] ?? config.texts[key] ?? null;
}

function retentionMs(values: BrokerConfigValues): number {
  const ms = values['log.retention.ms'] ?? (values['log.retention.minutes'] ?? values['log.retention.hours'] * 60) * 60_000;
  return ms < 0 ? -1 : ms;
}

function parseSecurityProtocolMap(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const [name, protocol, extra] = entry.split(':');
    if (name === undefined || protocol === undefined || extra !== undefined || name === '' || protocol === '') {
      throw new ConfigError(`Invalid value ${JSON.stringify(entry)} in listener.security.protocol.map: expected NAME:PROTOCOL`);
    }
    map.set(name.toUpperCase(), protocol.toUpperCase());
  }
  return map;
}

const endpointPattern = /^([A-Za-z0-9_-]+):\/\/(\[[0-9a-fA-F:.]*\]|[^:/[\]]*):(\d+)$/;

function parseEndpoints(key: string, entries: readonly string[], protocolOf: (name: string) => string): Endpoint[] {
  const endpoints = entries.map((entry) => {
    const match = endpointPattern.exec(entry);
    const port = Number(match?.[3]);
    if (match === null || port > 65535) {
      throw new ConfigError(`Invalid value ${JSON.stringify(entry)} in ${key}: expected NAME://host:port`);
    }
    const listenerName = match[1]!.toUpperCase();
    const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
    return { listenerName, host, port, securityProtocol: protocolOf(listenerName) };
  });
  const names = endpoints.map((endpoint) => endpoint.listenerName);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new ConfigError(`${key} names listener ${duplicate} twice`);
  return endpoints;
}

const voterPattern = /^(\d+)@(\[[0-9a-fA-F:.]*\]|[^:@[\]]+):(\d+)$/;

function parseVoter(entry: string): QuorumVoter {
  const match = voterPattern.exec(entry);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new ConfigError(`Invalid value ${JSON.stringify(entry)} in controller.quorum.voters: expected id@host:port`);
  }
  return { nodeId: Number(match[1]), host: match[2]!.replace(/^\[(.*)\]$/, '$1'), port };
}
