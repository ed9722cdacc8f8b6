import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseProperties } from '../config/properties.js';
import { parseKafkaUuid } from './kafka-uuid.js';

const META_PROPERTIES = 'meta.properties';

/** The KRaft (version 1) form of Kafka's `meta.properties`, one per log dir. */
export interface MetaProperties {
  readonly version: 1;
  readonly clusterId: string;
  readonly nodeId: number;
  readonly directoryId: string;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
}

/** Reads `<dir>/meta.properties`, or returns null when the dir has none. */
export function readMetaProperties(dir: string): MetaProperties | null {
  const path = join(dir, META_PROPERTIES);
  if (!existsSync(path)) return null;
  const entries = parseProperties(readFileSync(path, 'utf8'));
  const get = (key: string): string => {
    const value = entries.get(key)?.value;
    if (value === undefined) throw new StorageError(`${path} has no ${key}`);
    return value;
  };
  if (get('version') !== '1') {
    throw new StorageError(`${path} has version ${get('version')}; only KRaft meta.properties (version 1) is supported`);
  }
  const nodeId = Number(get('node.id'));
  if (!Number.isInteger(nodeId) || nodeId < 0) throw new StorageError(`${path} has an invalid node.id ${get('node.id')}`);
  const clusterId = get('cluster.id');
  if (parseKafkaUuid(clusterId) === null) throw new StorageError(`${path} has an invalid cluster.id ${clusterId}`);
  return { version: 1, clusterId, nodeId, directoryId: get('directory.id') };
}

/** Writes the file through a synced temporary file and a rename, so a crash leaves the old file or the new one. */
export function writeMetaProperties(dir: string, meta: MetaProperties): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, META_PROPERTIES);
  const text = [
    '#',
    `#${new Date().toUTCString()}`,
    `node.id=${meta.nodeId}`,
    `directory.id=${meta.directoryId}`,
    `version=${meta.version}`,
    `cluster.id=${meta.clusterId}`,
    '',
  ].join('\n');
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
