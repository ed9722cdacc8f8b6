import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig, type BrokerConfig } from '../config/broker-config.js';
import { checkStorage, formatStorage, formatStorageIfNeeded } from './storage-format.js';
import { readMetaProperties, StorageError } from './meta-properties.js';

const clusterId = 'MkU3OEVBNTcwNTJENDM2Qg';

function configWithDirs(nodeId = 1): { config: ReturnType<typeof loadBrokerConfig>['config']; dirs: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'freshet-storage-'));
  const dirs = [join(root, 'a'), join(root, 'b')];
  const { config } = loadBrokerConfig({
    'process.roles': 'broker,controller',
    'node.id': String(nodeId),
    'controller.quorum.voters': `${nodeId}@127.0.0.1:9093`,
    listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': dirs.join(','),
  });
  return { config, dirs };
}

/** The same node with a single log dir, which also holds the metadata log. */
function onlyDir(config: BrokerConfig, dir: string): BrokerConfig {
  return { ...config, logDirs: [dir], metadataLogDir: dir };
}

describe('formatStorage', () => {
  it('writes a KRaft meta.properties with the cluster id, node id and a distinct directory id per log dir', () => {
    const { config, dirs } = configWithDirs(7);
    expect(formatStorage(config, { clusterId })).toEqual({ formatted: dirs, skipped: [] });
    const metas = dirs.map((dir) => readMetaProperties(dir)!);
    for (const meta of metas) expect(meta).toMatchObject({ version: 1, clusterId, nodeId: 7 });
    expect(metas[0]!.directoryId).not.toBe(metas[1]!.directoryId);
    const text = readFileSync(join(dirs[0]!, 'meta.properties'), 'utf8');
    expect(text).toMatch(/^version=1$/m);
    expect(text).toMatch(new RegExp(`^cluster.id=${clusterId}$`, 'm'));
    expect(text).toMatch(/^node.id=7$/m);
    expect(text).toMatch(/^directory.id=[A-Za-z0-9_-]{22}$/m);
  });

  it('refuses to re-format, and leaves the existing file untouched', () => {
    const { config, dirs } = configWithDirs();
    formatStorage(config, { clusterId });
    const before = readFileSync(join(dirs[0]!, 'meta.properties'), 'utf8');
    expect(() => formatStorage(config, { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' })).toThrow(
      /Log directory .*\/a is already formatted. Use --ignore-formatted/,
    );
    expect(readFileSync(join(dirs[0]!, 'meta.properties'), 'utf8')).toBe(before);
  });

  it('formats only the new dirs with --ignore-formatted', () => {
    const { config, dirs } = configWithDirs();
    formatStorage(onlyDir(config, dirs[0]!), { clusterId });
    expect(formatStorage(config, { clusterId, ignoreFormatted: true })).toEqual({ formatted: [dirs[1]], skipped: [dirs[0]] });
  });

  it('formats metadata.log.dir too when it is not one of the log dirs', () => {
    const { config, dirs } = configWithDirs();
    const metadataLogDir = join(dirs[0]!, '..', 'metadata');
    const withMetadataDir = { ...config, metadataLogDir };
    expect(formatStorage(withMetadataDir, { clusterId }).formatted).toEqual([...dirs, metadataLogDir]);
    expect(readMetaProperties(metadataLogDir)?.clusterId).toBe(clusterId);
    expect(formatStorage(config, { clusterId, ignoreFormatted: true }).formatted).toEqual([]);
  });

  it('refuses a cluster id that is not a Kafka Uuid', () => {
    const { config } = configWithDirs();
    expect(() => formatStorage(config, { clusterId: 'my-cluster' })).toThrow(/Cluster ID "my-cluster" is not a valid Kafka Uuid/);
  });
});

describe('checkStorage', () => {
  it('returns the cluster id of formatted dirs', () => {
    const { config } = configWithDirs();
    formatStorage(config, { clusterId });
    expect(checkStorage(config)).toBe(clusterId);
  });

  it('refuses an unformatted dir, telling the operator to format it', () => {
    const { config, dirs } = configWithDirs();
    expect(() => checkStorage(config)).toThrow(new StorageError(
      `No meta.properties found in ${dirs[0]} (have you run \`freshet storage format\` to format the directory?)`,
    ));
  });

  it('refuses dirs that belong to different clusters', () => {
    const { config, dirs } = configWithDirs();
    formatStorage(onlyDir(config, dirs[0]!), { clusterId });
    formatStorage(onlyDir(config, dirs[1]!), { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(() => checkStorage(config)).toThrow(/has cluster id AAAAAAAAAAAAAAAAAAAAAA, but another log dir has MkU3/);
  });

  it('refuses a dir formatted for another node id', () => {
    const { config, dirs } = configWithDirs(1);
    formatStorage(config, { clusterId });
    const other = configWithDirs(2).config;
    expect(() => checkStorage({ ...other, logDirs: dirs, metadataLogDir: dirs[0]! })).toThrow(/Stored node id 1 .* doesn't match node.id 2/);
  });

  it('refuses a meta.properties that is not KRaft version 1', () => {
    const { config, dirs } = configWithDirs();
    formatStorage(config, { clusterId });
    writeFileSync(join(dirs[1]!, 'meta.properties'), 'version=0\nbroker.id=1\ncluster.id=x\n');
    expect(() => checkStorage(config)).toThrow(/has version 0; only KRaft meta.properties/);
  });
});

describe('formatStorageIfNeeded', () => {
  it('formats on first start with a new cluster id and keeps it on the next start', () => {
    const { config, dirs } = configWithDirs();
    const first = formatStorageIfNeeded(config);
    expect(first.formattedDirs).toEqual(dirs);
    expect(first.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const second = formatStorageIfNeeded(config);
    expect(second).toEqual({ clusterId: first.clusterId, formattedDirs: [] });
  });

  it('formats a newly added dir with the cluster id the others already have', () => {
    const { config, dirs } = configWithDirs();
    formatStorage(onlyDir(config, dirs[0]!), { clusterId });
    expect(formatStorageIfNeeded(config)).toEqual({ clusterId, formattedDirs: [dirs[1]] });
  });
});
