import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../client/admin.js';
import { configsRequest, formatConfigs, splitConfigList } from './configs-command.js';

const base = { bootstrapServer: 'localhost:9092' };

describe('configs arguments', () => {
  it('splits --add-config on commas outside square brackets', () => {
    expect(splitConfigList('a=1,b=[x,y],c=2')).toEqual(['a=1', 'b=[x,y]', 'c=2']);
    expect(splitConfigList('')).toEqual([]);
  });

  it('turns --add-config into SET (list brackets removed) and --delete-config into DELETE', () => {
    const request = configsRequest({ ...base, entityType: 'topics', entityName: 't', alter: true, addConfig: ['retention.ms=1000,cleanup.policy=[compact,delete]'], deleteConfig: ['segment.ms'] });
    expect(request).toEqual({
      kind: 'topic',
      name: 't',
      action: 'alter',
      alterations: [
        { name: 'retention.ms', op: 'set', value: '1000' },
        { name: 'cleanup.policy', op: 'set', value: 'compact,delete' },
        { name: 'segment.ms', op: 'delete' },
      ],
    });
  });

  it('accepts the --topic/--broker shorthands and the broker default entity', () => {
    expect(configsRequest({ ...base, topic: 't', describe: true })).toMatchObject({ kind: 'topic', name: 't' });
    expect(configsRequest({ ...base, broker: '1', describe: true })).toMatchObject({ kind: 'broker', name: '1' });
    expect(configsRequest({ ...base, entityType: 'brokers', entityDefault: true, describe: true })).toMatchObject({ kind: 'broker', name: '' });
    expect(configsRequest({ ...base, entityType: 'topics', describe: true })).toMatchObject({ kind: 'topic', name: null });
  });

  it('refuses what Kafka refuses, naming the mistake', () => {
    expect(() => configsRequest({ ...base, entityType: 'topics', entityName: 't' })).toThrow('exactly one action');
    expect(() => configsRequest({ ...base, entityType: 'users', entityName: 'u', describe: true })).toThrow('--entity-type must be topics or brokers, not users');
    expect(() => configsRequest({ ...base, entityType: 'brokers', entityName: 'one', describe: true })).toThrow('must be a broker id');
    expect(() => configsRequest({ ...base, entityType: 'topics', entityName: 't', alter: true })).toThrow('--add-config or --delete-config');
    expect(() => configsRequest({ ...base, entityType: 'topics', entityName: 't', alter: true, addConfig: ['a=1'], deleteConfig: ['a'] })).toThrow('both added and deleted');
    expect(() => configsRequest({ ...base, entityType: 'topics', alter: true, addConfig: ['a=1'] })).toThrow('--alter needs --entity-name');
    expect(() => configsRequest({ ...base, entityType: 'topics', entityName: 't', alter: true, addConfig: ['novalue'] })).toThrow('expected key=value');
  });
});

describe('formatConfigs', () => {
  const configs: ConfigEntry[] = [
    { name: 'retention.ms', value: '1000', source: 1, isDefault: false, readOnly: false, isSensitive: false, synonyms: [{ name: 'retention.ms', value: '1000', source: 1 }, { name: 'log.retention.hours', value: '168', source: 5 }] },
    { name: 'cleanup.policy', value: 'delete', source: 5, isDefault: true, readOnly: false, isSensitive: false, synonyms: [] },
  ];

  it("prints the dynamic configs with their synonyms, as kafka-configs --describe", () => {
    expect(formatConfigs('topic', 't', configs, false)).toBe(
      'Dynamic configs for topic t are:\n  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168}\n',
    );
  });

  it('prints every config, sorted, with --all', () => {
    expect(formatConfigs('topic', 't', configs, true)).toBe(
      'All configs for topic t are:\n  cleanup.policy=delete sensitive=false synonyms={}\n  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168}\n',
    );
  });

  it('names the cluster-wide broker default', () => {
    expect(formatConfigs('broker', '', [], false)).toBe('Default configs for brokers in the cluster are:\n');
    expect(formatConfigs('broker', '1', [], false)).toBe('Dynamic configs for broker 1 are:\n');
  });
});
