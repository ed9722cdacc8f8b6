import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFreshet, type FreshetRun } from '../cli/testing/freshet-process.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/** Runs `freshet consumer-groups <args>` against the node, as a user does. */
function consumerGroups(args: readonly string[]): Promise<FreshetRun> {
  return runFreshet(['consumer-groups', '--bootstrap-server', node.bootstrap, ...args]);
}

/** The data rows of a printed table, as arrays of cells. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines.findIndex((line) => line.startsWith('GROUP'));
  return lines.slice(header + 1).map((line) => line.trim().split(/\s+/));
}

let node: FreshetNode;
let kafka: Kafka;
const topic = 'groups-orders';
const groupId = 'tools-group';

beforeAll(async () => {
  node = await startFreshetNode();
  kafka = new Kafka({ brokers: [node.bootstrap], clientId: 'groups-cli-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `p${partition}-${i}` })) });
  }
  await producer.disconnect();
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

describe('freshet consumer-groups', () => {
  it('lists and describes a live kafkajs group, refuses to reset or delete it, then resets and deletes it once it is empty', async () => {
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    const allConsumed = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async () => {
          if (++consumed === 20) resolve();
        },
      });
    });
    await allConsumed;
    await consumer.commitOffsets([
      { topic, partition: 0, offset: '7' },
      { topic, partition: 1, offset: '10' },
    ]);

    expect((await consumerGroups(['--list'])).stdout.split('\n')).toContain(groupId);

    const live = await consumerGroups(['--describe', '--group', groupId]);
    expect(live.code).toBe(0);
    const rows = tableRows(live.stdout);
    expect(rows.map((row) => row.slice(0, 6))).toEqual([
      [groupId, topic, '0', '7', '10', '3'],
      [groupId, topic, '1', '10', '10', '0'],
    ]);
    expect(rows.every((row) => row[6] !== '-' && row[8] === 'groups-cli-test')).toBe(true);

    const members = tableRows((await consumerGroups(['--describe', '--group', groupId, '--members'])).stdout);
    expect(members).toHaveLength(1);
    expect(members[0]!.slice(3)).toEqual(['groups-cli-test', '2']);
    const state = tableRows((await consumerGroups(['--describe', '--group', groupId, '--state'])).stdout);
    expect(state).toEqual([[groupId, node.bootstrap, '(1)', 'RoundRobinAssigner', 'Stable', '1']]);

    const refused = await consumerGroups(['--reset-offsets', '--group', groupId, '--topic', topic, '--to-earliest', '--execute']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is Stable.`);
    const notEmpty = await consumerGroups(['--delete', '--group', groupId]);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toContain('NON_EMPTY_GROUP');

    await consumer.disconnect();

    const empty = await consumerGroups(['--describe', '--group', groupId]);
    expect(empty.stdout).toContain(`Consumer group '${groupId}' has no active members.`);
    expect(tableRows(empty.stdout)).toEqual([
      [groupId, topic, '0', '7', '10', '3', '-', '-', '-'],
      [groupId, topic, '1', '10', '10', '0', '-', '-', '-'],
    ]);

    const dryRun = await consumerGroups(['--reset-offsets', '--group', groupId, '--topic', topic, '--to-offset', '2', '--dry-run']);
    expect(tableRows(dryRun.stdout)).toEqual([
      [groupId, topic, '0', '2'],
      [groupId, topic, '1', '2'],
    ]);
    expect(tableRows((await consumerGroups(['--describe', '--group', groupId])).stdout).map((row) => row[3])).toEqual(['7', '10']);

    const shifted = await consumerGroups(['--reset-offsets', '--group', groupId, '--topic', `${topic}:1`, '--shift-by', '-4', '--execute']);
    expect(tableRows(shifted.stdout)).toEqual([[groupId, topic, '1', '6']]);
    expect(tableRows((await consumerGroups(['--describe', '--group', groupId])).stdout).map((row) => row[3])).toEqual(['7', '6']);

    const byDuration = await consumerGroups(['--reset-offsets', '--group', groupId, '--all-topics', '--by-duration', 'PT1H', '--execute']);
    expect(tableRows(byDuration.stdout).map((row) => row[3])).toEqual(['0', '0']);

    const offsetsDeleted = await consumerGroups(['--delete-offsets', '--group', groupId, '--topic', `${topic}:0`]);
    expect(offsetsDeleted.code).toBe(0);
    expect(tableRows((await consumerGroups(['--describe', '--group', groupId])).stdout).map((row) => [row[2], row[3]])).toEqual([['1', '0']]);

    const deleted = await consumerGroups(['--delete', '--group', groupId]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deletion of requested consumer groups ('${groupId}') was successful.\n` });
    expect((await consumerGroups(['--list'])).stdout.split('\n')).not.toContain(groupId);
    const gone = await consumerGroups(['--describe', '--group', groupId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`Consumer group '${groupId}' does not exist.`);
  }, 120_000);

  it('console-consumer --group commits what it printed, so the next member of the group goes on from there', async () => {
    const group = 'console-group';
    const consume = (args: string[]) => runFreshet(['console-consumer', '--bootstrap-server', node.bootstrap, '--topic', topic, '--group', group, '--timeout-ms', '15000', ...args]);
    const first = await consume(['--from-beginning', '--max-messages', '15']);
    expect(first.code).toBe(0);
    const firstValues = first.stdout.trimEnd().split('\n');
    expect(firstValues).toHaveLength(15);

    const described = await consumerGroups(['--describe', '--group', group]);
    expect(described.stdout).toContain(`Consumer group '${group}' has no active members.`);
    const rows = tableRows(described.stdout);
    expect(rows.reduce((sum, row) => sum + Number(row[3]), 0)).toBe(15);
    expect(rows.reduce((sum, row) => sum + Number(row[5]), 0)).toBe(5);

    const second = await consume(['--max-messages', '5']);
    expect(second.code).toBe(0);
    const all = [...firstValues, ...second.stdout.trimEnd().split('\n')].sort();
    expect(all).toEqual([0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => `p${partition}-${i}`)).sort());
  }, 90_000);
});
