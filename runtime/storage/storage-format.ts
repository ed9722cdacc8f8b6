import type { BrokerConfig } from '../config/broker-config.js';
import { parseKafkaUuid, randomKafkaUuid } from './kafka-uuid.js';
import { readMetaProperties, StorageError, writeMetaProperties } from './meta-properties.js';
import type { MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { writeBootstrapRecords } from './bootstrap-records.js';

export interface FormatOptions {
  readonly clusterId: string;
  /** Skip dirs that are already formatted instead of refusing (kafka-storage's --ignore-formatted). */
  readonly ignoreFormatted?: boolean;
  /** Records for the new cluster's first controller to append (`--add-scram`), kept in the metadata log dir. */
  readonly bootstrapRecords?: readonly MetadataRecord[];
}

export interface FormatResult {
  readonly formatted: readonly string[];
  readonly skipped: readonly string[];
}

/** Every dir that carries meta.properties: the log dirs and the metadata log dir, as Kafka formats them. */
function storageDirs(config: BrokerConfig): string[] {
  return [...new Set([...config.logDirs, config.metadataLogDir])];
}

/** `freshet storage format`: writes meta.properties into every log dir, refusing to re-format one. */
export function formatStorage(config: BrokerConfig, options: FormatOptions): FormatResult {
  if (parseKafkaUuid(options.clusterId) === null) {
    throw new StorageError(
      `Cluster ID ${JSON.stringify(options.clusterId)} is not a valid Kafka Uuid (22 base64url characters); ` +
        'generate one with `freshet storage random-uuid`',
    );
  }
  const existing = storageDirs(config).map((dir) => ({ dir, meta: readMetaProperties(dir) }));
  const formattedAlready = existing.filter((entry) => entry.meta !== null);
  if (formattedAlready.length > 0 && options.ignoreFormatted !== true) {
    throw new StorageError(
      `Log directory ${formattedAlready[0]!.dir} is already formatted. ` +
        'Use --ignore-formatted to ignore this directory and format the others.',
    );
  }
  const formatted: string[] = [];
  for (const { dir, meta } of existing) {
    if (meta !== null) continue;
    writeMetaProperties(dir, { version: 1, clusterId: options.clusterId, nodeId: config.nodeId, directoryId: randomKafkaUuid() });
    formatted.push(dir);
    if (dir === config.metadataLogDir && options.bootstrapRecords !== undefined && options.bootstrapRecords.length > 0) writeBootstrapRecords(dir, options.bootstrapRecords);
  }
  return { formatted, skipped: formattedAlready.map((entry) => entry.dir) };
}

/**
 * The start-up check: every log dir is formatted, for this node, with one
 * cluster id. Returns that cluster id; throws a StorageError telling the
 * operator what to run otherwise.
 */
export function checkStorage(config: BrokerConfig): string {
  let clusterId: string | null = null;
  for (const dir of storageDirs(config)) {
    const meta = readMetaProperties(dir);
    if (meta === null) {
      throw new StorageError(
        `No meta.properties found in ${dir} (have you run \`freshet storage format\` to format the directory?)`,
      );
    }
    if (meta.nodeId !== config.nodeId) {
      throw new StorageError(`Stored node id ${meta.nodeId} in ${dir} doesn't match node.id ${config.nodeId} in the config`);
    }
    if (clusterId !== null && meta.clusterId !== clusterId) {
      throw new StorageError(`Log directory ${dir} has cluster id ${meta.clusterId}, but another log dir has ${clusterId}`);
    }
    clusterId = meta.clusterId;
  }
  if (clusterId === null) throw new StorageError('No log directories are configured');
  return clusterId;
}

/**
 * The "format on first start" path of `npm start`: formats dirs that have no
 * meta.properties (with the cluster id of the ones that do, or a new one),
 * then runs the normal start-up check.
 */
export function formatStorageIfNeeded(config: BrokerConfig): { clusterId: string; formattedDirs: readonly string[] } {
  const known = storageDirs(config).map(readMetaProperties).find((meta) => meta !== null);
  const { formatted } = formatStorage(config, { clusterId: known?.clusterId ?? randomKafkaUuid(), ignoreFormatted: true });
  return { clusterId: checkStorage(config), formattedDirs: formatted };
}
