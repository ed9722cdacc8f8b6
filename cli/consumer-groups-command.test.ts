import { describe, expect, it } from 'vitest';
import {
  consumerGroupsAction,
  formatGroupMembers,
  formatGroupOffsets,
  formatGroupState,
  parseDatetime,
  parseDurationMs,
  parseTopicPartitions,
  planOffsetReset,
  resetSpec,
  type PartitionOffsets,
} from './consumer-groups-command.js';

const base = { bootstrapServer: 'b:1' };

describe('planOffsetReset', () => {
  // Partition 0 has a committed offset inside the log; partition 1 has none; partition 2's log starts at 100.
  const partitions: PartitionOffsets[] = [
    { topic: 't', partition: 0, committed: 30n, earliest: 0n, latest: 50n, atTimestamp: 12n },
    { topic: 't', partition: 1, committed: null, earliest: 0n, latest: 7n, atTimestamp: -1n },
    { topic: 't', partition: 2, committed: 120n, earliest: 100n, latest: 150n, atTimestamp: 100n },
  ];
  const offsets = (spec: Parameters<typeof planOffsetReset>[0]) => planOffsetReset(spec, partitions).map((planned) => planned.offset);

  it('moves to the log start or end', () => {
    expect(offsets({ kind: 'earliest' })).toEqual([0n, 0n, 100n]);
    expect(offsets({ kind: 'latest' })).toEqual([50n, 7n, 150n]);
  });

  it('keeps the committed offset, taking the log end where there is none', () => {
    expect(offsets({ kind: 'current' })).toEqual([30n, 7n, 120n]);
  });

  it('clamps an explicit offset into each log', () => {
    expect(offsets({ kind: 'offset', offset: 40n })).toEqual([40n, 7n, 100n]);
  });

  it('shifts from the committed offset, clamped into the log', () => {
    expect(offsets({ kind: 'shift', by: -25n })).toEqual([5n, 0n, 100n]);
    expect(offsets({ kind: 'shift', by: 25n })).toEqual([50n, 7n, 145n]);
  });

  it('takes the offset found for a time, or the log end when every record is older', () => {
    expect(offsets({ kind: 'timestamp', timestampMs: 1n })).toEqual([12n, 7n, 100n]);
  });

  it('names each partition it plans for', () => {
    expect(planOffsetReset({ kind: 'earliest' }, partitions).map((planned) => `${planned.topic}-${planned.partition}`)).toEqual(['t-0', 't-1', 't-2']);
  });
});

describe('reset arguments', () => {
  it('reads topic arguments with optional partitions', () => {
    expect(parseTopicPartitions('orders')).toEqual({ topic: 'orders', partitions: null });
    expect(parseTopicPartitions('orders:0,2')).toEqual({ topic: 'orders', partitions: [0, 2] });
    expect(() => parseTopicPartitions('orders:x')).toThrow('--topic partition');
  });

  it("reads Kafka's datetime form in UTC, with an offset, or in local time", () => {
    expect(parseDatetime('2024-03-01T10:00:00.000Z')).toBe(BigInt(Date.UTC(2024, 2, 1, 10)));
    expect(parseDatetime('2024-03-01T10:00:00.000+02:00')).toBe(BigInt(Date.UTC(2024, 2, 1, 8)));
    expect(parseDatetime('2024-03-01T10:00:00+0200')).toBe(BigInt(Date.UTC(2024, 2, 1, 8)));
    expect(parseDatetime('2024-03-01T10:00:00.000')).toBe(BigInt(new Date(2024, 2, 1, 10).getTime()));
    expect(() => parseDatetime('2024-03-01 10:00')).toThrow('Invalid --to-datetime');
  });

  it('reads ISO-8601 durations', () => {
    expect(parseDurationMs('PT15M')).toBe(900_000n);
    expect(parseDurationMs('P1DT2H')).toBe(93_600_000n);
    expect(parseDurationMs('PT0.5S')).toBe(500n);
    for (const bad of ['P', 'PT', '15m', 'P1H']) expect(() => parseDurationMs(bad)).toThrow('Invalid --by-duration');
  });

  it('takes exactly one scenario; --by-duration counts back from now', () => {
    expect(resetSpec({ ...base, toEarliest: true }, 0)).toEqual({ kind: 'earliest' });
    expect(resetSpec({ ...base, shiftBy: '-3' }, 0)).toEqual({ kind: 'shift', by: -3n });
    expect(resetSpec({ ...base, byDuration: 'PT1M' }, 100_000)).toEqual({ kind: 'timestamp', timestampMs: 40_000n });
    expect(() => resetSpec(base, 0)).toThrow('exactly one of');
    expect(() => resetSpec({ ...base, toEarliest: true, toLatest: true }, 0)).toThrow('exactly one of');
    expect(() => resetSpec({ ...base, shiftBy: 'x' }, 0)).toThrow('Invalid --shift-by');
  });

  it('needs a group for every action but --list, and topics and one of dry-run/execute for a reset', () => {
    expect(consumerGroupsAction({ ...base, list: true })).toBe('list');
    expect(() => consumerGroupsAction({ ...base, describe: true })).toThrow('--describe needs --group');
    expect(() => consumerGroupsAction({ ...base, resetOffsets: true, group: 'g' })).toThrow('--topic or --all-topics');
    expect(() => consumerGroupsAction({ ...base, resetOffsets: true, group: 'g', allTopics: true, dryRun: true, execute: true })).toThrow('Only one of');
    expect(() => consumerGroupsAction({ ...base, list: true, delete: true })).toThrow('exactly one action');
    expect(consumerGroupsAction({ ...base, describe: true, allGroups: true })).toBe('describe');
    expect(() => consumerGroupsAction({ ...base, delete: true, allGroups: true })).toThrow('--delete needs --group');
    expect(() => consumerGroupsAction({ ...base, describe: true, group: 'g', members: true, state: true })).toThrow('Only one of --members and --state');
    expect(() => consumerGroupsAction({ ...base, deleteOffsets: true, group: 'g' })).toThrow('--delete-offsets needs one --topic');
  });
});

describe('formatGroupOffsets', () => {
  it("prints Kafka's columns sorted by topic and partition, with lag and - where unknown", () => {
    const text = formatGroupOffsets('my-group', [
      { topic: 'orders', partition: 1, committed: null, logEndOffset: 9n, member: null },
      { topic: 'orders', partition: 0, committed: 5n, logEndOffset: 12n, member: { memberId: 'consumer-1-abc', clientHost: '/127.0.0.1', clientId: 'consumer-1' } },
    ]);
    expect(text.split('\n')).toEqual([
      'GROUP    TOPIC  PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID    HOST       CLIENT-ID',
      'my-group orders 0         5              12             7   consumer-1-abc /127.0.0.1 consumer-1',
      'my-group orders 1         -              9              -   -              -          -',
      '',
    ]);
  });
});

describe('formatGroupMembers and formatGroupState', () => {
  const group = {
    groupId: 'g',
    errorCode: 0,
    groupState: 'Stable',
    protocolType: 'consumer',
    protocol: 'range',
    members: [
      { memberId: 'm-1', groupInstanceId: null, clientId: 'c1', clientHost: '/10.0.0.1', assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] },
      { memberId: 'm-2', groupInstanceId: null, clientId: 'c2', clientHost: '/10.0.0.2', assignment: [] },
    ],
  };

  it('prints each member with its partition count', () => {
    expect(formatGroupMembers(group).split('\n')).toEqual([
      'GROUP CONSUMER-ID HOST      CLIENT-ID #PARTITIONS',
      'g     m-1         /10.0.0.1 c1        2',
      'g     m-2         /10.0.0.2 c2        0',
      '',
    ]);
  });

  it('prints the coordinator, strategy, state and member count', () => {
    expect(formatGroupState(group, { nodeId: 1, host: 'localhost', port: 9092 }).split('\n')).toEqual([
      'GROUP COORDINATOR (ID)   ASSIGNMENT-STRATEGY STATE  #MEMBERS',
      'g     localhost:9092 (1) range               Stable 2',
      '',
    ]);
  });
});
