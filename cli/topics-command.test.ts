import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../client/admin.js';
import { formatTopicDescription, topicsAction } from './topics-command.js';

const base = { bootstrapServer: 'localhost:9092' };

describe('topicsAction', () => {
  it('takes exactly one action', () => {
    expect(topicsAction({ ...base, list: true })).toBe('list');
    expect(() => topicsAction(base)).toThrow('exactly one action');
    expect(() => topicsAction({ ...base, list: true, describe: true })).toThrow('exactly one action');
  });

  it('needs a topic to create, delete or alter, and a partition count to alter', () => {
    expect(() => topicsAction({ ...base, create: true })).toThrow('Missing required argument "[topic]" for --create');
    expect(() => topicsAction({ ...base, delete: true })).toThrow('for --delete');
    expect(() => topicsAction({ ...base, alter: true, topic: 't' })).toThrow('--alter needs --partitions');
    expect(topicsAction({ ...base, alter: true, topic: 't', partitions: '4' })).toBe('alter');
  });

  it('refuses creation-only options with other actions', () => {
    expect(() => topicsAction({ ...base, alter: true, topic: 't', partitions: '4', config: ['a=b'] })).toThrow('only for --create');
  });
});

describe('formatTopicDescription', () => {
  const entry = (name: string, value: string, isDefault: boolean, isSensitive = false): ConfigEntry => ({
    name,
    value,
    source: isDefault ? 5 : 1,
    isDefault,
    readOnly: false,
    isSensitive,
    synonyms: [],
  });

  it("prints Kafka's topic line with the non-default configs, then a tab-indented line per partition", () => {
    const text = formatTopicDescription(
      {
        name: 'orders',
        topicId: 'q0zyOEJbQ7mt6WB9mBeXqQ',
        isInternal: false,
        errorCode: 0,
        partitions: [
          { partition: 0, errorCode: 0, leaderId: 1, leaderEpoch: 0, replicas: [1, 2], isr: [1, 2], offlineReplicas: [] },
          { partition: 1, errorCode: 0, leaderId: -1, leaderEpoch: 3, replicas: [2, 1], isr: [], offlineReplicas: [2] },
        ],
      },
      [entry('cleanup.policy', 'compact', false), entry('segment.bytes', '1073741824', true), entry('retention.ms', '1000', false)],
    );
    expect(text).toBe(
      'Topic: orders\tTopicId: q0zyOEJbQ7mt6WB9mBeXqQ\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: cleanup.policy=compact,retention.ms=1000\n' +
        '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2\n' +
        '\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 2,1\tIsr: \tOffline: 2\n',
    );
  });
});
