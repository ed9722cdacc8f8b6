import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { BrokerConnection } from '../client/broker-connection.js';
import { coordinatorPartitionFor } from '../core/group/coordinator-partition.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultFindCoordinatorRequest, type FindCoordinatorResponse } from '../core/protocol/generated/messages/find-coordinator.js';
import { defaultListGroupsRequest, type ListGroupsResponse } from '../core/protocol/generated/messages/list-groups.js';
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestPartition, type OffsetCommitResponse } from '../core/protocol/generated/messages/offset-commit.js';
import { defaultOffsetFetchRequest, type OffsetFetchResponse } from '../core/protocol/generated/messages/offset-fetch.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { readValues } from './support/kafkajs-read.js';

/**
 * Issue 13 item 12: right after __consumer_offsets is created, its
 * coordinators start one by one and load. Until a group's coordinator is
 * loaded, offset and group requests are answered COORDINATOR_LOAD_IN_PROGRESS
 * (clients retry it quietly at the same broker), never NOT_COORDINATOR (which
 * sends them looking for another coordinator). Each test starts a fresh node
 * (`freshet server-start` in a child process) with Kafka's default 50
 * partitions, so the window is real.
 */
const PARTITIONS = 50;
let node: FreshetNode | undefined;

afterEach(async () => {
  await node?.destroy();
  node = undefined;
});

/** One group id per __consumer_offsets partition, so every coordinator is asked. */
const groupPerPartition = (): string[] => {
  const groups = new Map<number, string>();
  for (let i = 0; groups.size < PARTITIONS && i < 100_000; i++) {
    const groupId = `loading-${i}`;
    const partition = coordinatorPartitionFor(groupId, PARTITIONS);
    if (!groups.has(partition)) groups.set(partition, groupId);
  }
  return [...groups.values()];
};

describe('coordinator loading', () => {
  it('answers raw OffsetFetch, OffsetCommit and ListGroups sent the moment __consumer_offsets exists with LOAD_IN_PROGRESS, then NONE', async () => {
    node = await startFreshetNode({ properties: { 'offsets.topic.num.partitions': PARTITIONS } });
    await node.createTopic('loading-data', 1);
    const connection = await BrokerConnection.connect(node.host, node.port);
    try {
      const groups = groupPerPartition();
      expect(groups).toHaveLength(PARTITIONS);
      // FindCoordinator creates the topic; it answers COORDINATOR_NOT_AVAILABLE until the topic is in the image.
      let found: FindCoordinatorResponse | undefined;
      for (let attempt = 0; attempt < 5000 && found?.coordinators[0]?.errorCode !== ErrorCode.NONE; attempt++) {
        found = await connection.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, { ...defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: [groups[0]!] }, 4);
      }
      expect(found?.coordinators[0]?.errorCode).toBe(ErrorCode.NONE);

      const seen = new Map<string, number[]>();
      const note = (what: string, code: number): void => void seen.set(what, [...(seen.get(what) ?? []), code]);
      let settled = false;
      // Every group at once, pipelined on one connection, round after round until all are loaded.
      for (let round = 0; round < 2000 && !settled; round++) {
        const fetches = groups.map((groupId) =>
          connection.request<OffsetFetchResponse>(ApiKey.OffsetFetch, { ...defaultOffsetFetchRequest(), groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] }, 8),
        );
        const commits = groups.map((groupId) =>
          connection.request<OffsetCommitResponse>(
            ApiKey.OffsetCommit,
            {
              ...defaultOffsetCommitRequest(),
              groupId,
              topics: [{ name: 'loading-data', partitions: [{ ...defaultOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 7n }] }],
            },
            8,
          ),
        );
        const listed = connection.request<ListGroupsResponse>(ApiKey.ListGroups, defaultListGroupsRequest(), 4);
        const codes = [
          ...(await Promise.all(fetches)).map((r) => r.groups[0]!.errorCode),
          ...(await Promise.all(commits)).map((r) => r.topics[0]!.partitions[0]!.errorCode),
        ];
        codes.forEach((code, i) => note(i < PARTITIONS ? 'OffsetFetch' : 'OffsetCommit', code));
        const listCode = (await listed).errorCode;
        note('ListGroups', listCode);
        settled = codes.every((code) => code === ErrorCode.NONE) && listCode === ErrorCode.NONE;
      }
      expect(settled).toBe(true);
      for (const [what, codes] of seen) {
        expect(new Set(codes), what).toEqual(new Set(codes.filter((c) => c === ErrorCode.NONE || c === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)));
      }
      // Every commit landed once its coordinator was there: each group now shows offset 7.
      const after = await Promise.all(
        groups.map((groupId) =>
          connection.request<OffsetFetchResponse>(ApiKey.OffsetFetch, { ...defaultOffsetFetchRequest(), groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] }, 8),
        ),
      );
      expect(after.map((r) => r.groups[0]!.topics[0]?.partitions[0]?.committedOffset)).toEqual(groups.map(() => 7n));
    } finally {
      connection.close();
    }
  }, 60_000);

  it('lets a kafkajs consumer started on a fresh node join, consume and commit without ever being told NOT_COORDINATOR', async () => {
    node = await startFreshetNode({ properties: { 'offsets.topic.num.partitions': PARTITIONS } });
    const errors: string[] = [];
    const collect: logCreator = () => (entry) => {
      const error = (entry.log as { error?: unknown }).error;
      if (typeof error === 'string') errors.push(`${entry.log.message}: ${error}`);
    };
    const kafka = new Kafka({ clientId: 'loading', brokers: [node.bootstrap], logLevel: logLevel.DEBUG, logCreator: collect });
    const topic = 'loading-kafkajs';
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    // Several groups, so several coordinators are asked while the others start.
    const consumers = Array.from({ length: 4 }, (_, i) => kafka.consumer({ groupId: `loading-kafkajs-${i}`, maxWaitTimeInMs: 100 }));
    try {
      const received = await Promise.all(consumers.map((consumer) => readValues(consumer, topic, 2)));
      expect(received).toEqual(consumers.map(() => ['a', 'b']));
      const admin = kafka.admin();
      await admin.connect();
      await expect
        .poll(async () => Promise.all(consumers.map((_, i) => admin.fetchOffsets({ groupId: `loading-kafkajs-${i}`, topics: [topic] }).then((o) => o[0]!.partitions[0]!.offset))), { timeout: 20_000 })
        .toEqual(consumers.map(() => '2'));
      await admin.disconnect();
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    }
    expect(errors.filter((e) => /not the correct coordinator/i.test(e))).toEqual([]);
  }, 60_000);
});
