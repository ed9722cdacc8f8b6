import { Command } from 'commander';
import { Admin, OffsetSpec, type GroupDescription, type TopicPartitionOffset } from '../client/admin.js';
import { KafkaClientError, errorName } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { bootstrapServerOption, clientAction, collect, formatTable, parseInteger, ToolUsageError } from './kafka-tool.js';

export interface ConsumerGroupsOptions {
  bootstrapServer: string;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  resetOffsets?: boolean;
  deleteOffsets?: boolean;
  group?: string;
  allGroups?: boolean;
  members?: boolean;
  state?: boolean;
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: string;
  shiftBy?: string;
  toDatetime?: string;
  byDuration?: string;
  dryRun?: boolean;
  execute?: boolean;
}

export type ResetSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'current' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'shift'; by: bigint }
  /** --to-datetime and --by-duration: the first offset whose timestamp is at or after this time. */
  | { kind: 'timestamp'; timestampMs: bigint };

/** What the planner needs to know about one partition. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The group's committed offset, null when it has none. */
  committed: bigint | null;
  earliest: bigint;
  latest: bigint;
  /** For a timestamp reset: ListOffsets' answer, -1 when no record is that recent. */
  atTimestamp?: bigint;
}

/** A topic argument: `t` (all partitions), `t:0` or `t:0,2`. */
export function parseTopicPartitions(text: string): { topic: string; partitions: number[] | null } {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { topic: text, partitions: null };
  const topic = text.slice(0, colon);
  if (topic === '') throw new ToolUsageError(`Invalid --topic "${text}"`);
  return { topic, partitions: text.slice(colon + 1).split(',').map((partition) => parseInteger(partition.trim(), '--topic partition')) };
}

/** Kafka's `--to-datetime` form, `YYYY-MM-DDTHH:mm:SS.sss` with an optional zone (`Z`, `+02:00`); local time without one. */
export function parseDatetime(text: string): bigint {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  const ms = match === null ? NaN : Date.parse(match[8] !== undefined && match[8].length === 5 ? `${text.slice(0, -5)}${match[8].slice(0, 3)}:${match[8].slice(3)}` : text);
  if (Number.isNaN(ms)) throw new ToolUsageError(`Invalid --to-datetime "${text}": expected YYYY-MM-DDTHH:mm:SS.sss, optionally with a zone such as Z or +01:00`);
  return BigInt(ms);
}

/** An ISO-8601 duration as Java's Duration.parse takes it (`PT15M`, `P1DT2H`, `PT0.5S`), in ms. */
export function parseDurationMs(text: string): bigint {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/i.exec(text);
  if (match === null || text.toUpperCase() === 'P' || /T$/i.test(text)) {
    throw new ToolUsageError(`Invalid --by-duration "${text}": expected an ISO-8601 duration such as PT15M or P1DT2H`);
  }
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return BigInt(Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000));
}

/** The one reset scenario asked for. */
export function resetSpec(options: ConsumerGroupsOptions, nowMs: number): ResetSpec {
  const specs: ResetSpec[] = [];
  if (options.toEarliest) specs.push({ kind: 'earliest' });
  if (options.toLatest) specs.push({ kind: 'latest' });
  if (options.toCurrent) specs.push({ kind: 'current' });
  if (options.toOffset !== undefined) specs.push({ kind: 'offset', offset: BigInt(parseInteger(options.toOffset, '--to-offset')) });
  if (options.shiftBy !== undefined) {
    if (!/^-?\d+$/.test(options.shiftBy)) throw new ToolUsageError(`Invalid --shift-by "${options.shiftBy}": expected an integer`);
    specs.push({ kind: 'shift', by: BigInt(options.shiftBy) });
  }
  if (options.toDatetime !== undefined) specs.push({ kind: 'timestamp', timestampMs: parseDatetime(options.toDatetime) });
  if (options.byDuration !== undefined) specs.push({ kind: 'timestamp', timestampMs: BigInt(nowMs) - parseDurationMs(options.byDuration) });
  if (specs.length !== 1) {
    throw new ToolUsageError('--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration');
  }
  return specs[0]!;
}

/**
 * The new offset of every partition, as Kafka's reset tool computes it:
 * explicit offsets and shifts are clamped into [earliest, latest]; a
 * partition without a committed offset counts its log end as current; a
 * timestamp after every record resets to the log end.
 */
export function planOffsetReset(spec: ResetSpec, partitions: readonly PartitionOffsets[]): TopicPartitionOffset[] {
  const clamp = (offset: bigint, p: PartitionOffsets): bigint => (offset < p.earliest ? p.earliest : offset > p.latest ? p.latest : offset);
  return partitions.map((p) => {
    const current = p.committed ?? p.latest;
    let offset: bigint;
    switch (spec.kind) {
      case 'earliest':
        offset = p.earliest;
        break;
      case 'latest':
        offset = p.latest;
        break;
      case 'current':
        offset = current;
        break;
      case 'offset':
        offset = clamp(spec.offset, p);
        break;
      case 'shift':
        offset = clamp(current + spec.by, p);
        break;
      case 'timestamp':
        if (p.atTimestamp === undefined) throw new Error(`planOffsetReset: no timestamp lookup for ${p.topic}-${p.partition}`);
        offset = p.atTimestamp < 0n ? p.latest : p.atTimestamp;
        break;
    }
    return { topic: p.topic, partition: p.partition, offset };
  });
}

export interface DescribeRow {
  topic: string;
  partition: number;
  committed: bigint | null;
  logEndOffset: bigint | null;
  member: { memberId: string; clientHost: string; clientId: string } | null;
}

/** Kafka's describe table (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID), `-` where unknown. */
export function formatGroupOffsets(groupId: string, rows: readonly DescribeRow[]): string {
  const sorted = [...rows].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return formatTable(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
    sorted.map((row) => [
      groupId,
      row.topic,
      String(row.partition),
      row.committed === null ? '-' : String(row.committed),
      row.logEndOffset === null ? '-' : String(row.logEndOffset),
      row.committed === null || row.logEndOffset === null ? '-' : String(row.logEndOffset - row.committed),
      row.member?.memberId ?? '-',
      row.member?.clientHost ?? '-',
      row.member?.clientId ?? '-',
    ]),
  );
}

const ACTIONS = ['list', 'describe', 'delete', 'resetOffsets', 'deleteOffsets'] as const;
const ACTION_FLAGS: Record<(typeof ACTIONS)[number], string> = {
  list: '--list',
  describe: '--describe',
  delete: '--delete',
  resetOffsets: '--reset-offsets',
  deleteOffsets: '--delete-offsets',
};

/** The one action asked for, with the options it needs checked. */
export function consumerGroupsAction(options: ConsumerGroupsOptions): (typeof ACTIONS)[number] {
  const chosen = ACTIONS.filter((action) => options[action] === true);
  if (chosen.length !== 1) throw new ToolUsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets');
  const action = chosen[0]!;
  const allGroupsAllowed = action === 'describe';
  if (action !== 'list' && options.group === undefined && !(allGroupsAllowed && options.allGroups)) {
    throw new ToolUsageError(`${ACTION_FLAGS[action]} needs --group${allGroupsAllowed ? ' or --all-groups' : ''}`);
  }
  if (options.members && options.state) throw new ToolUsageError('Only one of --members and --state may be given');
  if (action === 'deleteOffsets' && (options.topic ?? []).length !== 1) throw new ToolUsageError('--delete-offsets needs one --topic');
  if (action === 'resetOffsets') {
    if (options.dryRun && options.execute) throw new ToolUsageError('Only one of --dry-run and --execute may be given');
    if ((options.topic ?? []).length === 0 && !options.allTopics) throw new ToolUsageError('--reset-offsets needs --topic or --all-topics');
  }
  return action;
}

/** A group that does not exist describes as Dead (older brokers) or fails with GROUP_ID_NOT_FOUND (newer). */
async function describeOrDead(admin: Admin, groupId: string): Promise<GroupDescription> {
  try {
    return await admin.describeGroup(groupId);
  } catch (error) {
    if (!(error instanceof KafkaClientError) || error.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) throw error;
    return { groupId, errorCode: ErrorCode.NONE, groupState: 'Dead', protocolType: '', protocol: '', members: [] };
  }
}

async function logEndOffsets(admin: Admin, topics: Iterable<string>, spec: bigint = OffsetSpec.latest): Promise<Map<string, bigint>> {
  const offsets = new Map<string, bigint>();
  for (const topic of topics) {
    for (const listed of await admin.listOffsets(topic, spec)) offsets.set(`${topic}:${listed.partition}`, listed.offset);
  }
  return offsets;
}

/** Kafka's `--describe --members` table. */
export function formatGroupMembers(group: GroupDescription): string {
  return formatTable(
    ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'],
    group.members.map((member) => [group.groupId, member.memberId, member.clientHost, member.clientId, String(member.assignment.length)]),
  );
}

/** Kafka's `--describe --state` table. */
export function formatGroupState(group: GroupDescription, coordinator: { nodeId: number; host: string; port: number }): string {
  return formatTable(
    ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
    [[group.groupId, `${coordinator.host}:${coordinator.port} (${coordinator.nodeId})`, group.protocol === '' ? '-' : group.protocol, group.groupState, String(group.members.length)]],
  );
}

async function describe(client: KafkaClient, admin: Admin, groupId: string, options: ConsumerGroupsOptions): Promise<void> {
  const group = await describeOrDead(admin, groupId);
  if (group.groupState === 'Dead') throw new ToolUsageError(`Consumer group '${groupId}' does not exist.`);
  if (options.state) {
    process.stdout.write(`\n${formatGroupState(group, await client.findCoordinator(groupId))}`);
    return;
  }
  if (options.members) {
    if (group.members.length === 0) process.stdout.write(`\nConsumer group '${groupId}' has no active members.\n`);
    else process.stdout.write(`\n${formatGroupMembers(group)}`);
    return;
  }
  const committed = await admin.fetchOffsets(groupId);
  const rows = new Map<string, DescribeRow>();
  for (const offset of committed) {
    rows.set(`${offset.topic}:${offset.partition}`, { topic: offset.topic, partition: offset.partition, committed: offset.offset < 0n ? null : offset.offset, logEndOffset: null, member: null });
  }
  for (const member of group.members) {
    for (const assigned of member.assignment) {
      const key = `${assigned.topic}:${assigned.partition}`;
      const row = rows.get(key) ?? { topic: assigned.topic, partition: assigned.partition, committed: null, logEndOffset: null, member: null };
      row.member = member;
      rows.set(key, row);
    }
  }
  const ends = await logEndOffsets(admin, new Set([...rows.values()].map((row) => row.topic)));
  for (const [key, row] of rows) row.logEndOffset = ends.get(key) ?? null;
  if (group.members.length === 0) process.stdout.write(`\nConsumer group '${groupId}' has no active members.\n`);
  else if (group.groupState === 'PreparingRebalance' || group.groupState === 'CompletingRebalance') {
    process.stdout.write(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);
  }
  process.stdout.write(`\n${formatGroupOffsets(groupId, [...rows.values()])}`);
}

async function resetOffsets(client: KafkaClient, admin: Admin, options: ConsumerGroupsOptions): Promise<void> {
  const groupId = options.group!;
  const spec = resetSpec(options, Date.now());
  const group = await describeOrDead(admin, groupId);
  if (group.groupState !== 'Empty' && group.groupState !== 'Dead') {
    throw new ToolUsageError(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${group.groupState}.`);
  }
  const committed = await admin.fetchOffsets(groupId);
  const wanted = new Map<string, number[]>();
  const requested = options.allTopics
    ? [...new Set(committed.map((offset) => offset.topic))].map((topic) => ({ topic, partitions: null }))
    : (options.topic ?? []).map(parseTopicPartitions);
  for (const { topic, partitions } of requested) {
    const known = (await client.topicMetadata(topic)).partitions.map((partition) => partition.partition);
    for (const partition of partitions ?? []) {
      if (!known.includes(partition)) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
    }
    wanted.set(topic, [...new Set([...(wanted.get(topic) ?? []), ...(partitions ?? known)])].sort((a, b) => a - b));
  }
  const earliest = await logEndOffsets(admin, wanted.keys(), OffsetSpec.earliest);
  const latest = await logEndOffsets(admin, wanted.keys(), OffsetSpec.latest);
  const atTimestamp = spec.kind === 'timestamp' ? await logEndOffsets(admin, wanted.keys(), spec.timestampMs) : null;
  const partitions: PartitionOffsets[] = [...wanted].flatMap(([topic, indexes]) =>
    indexes.map((partition) => {
      const key = `${topic}:${partition}`;
      const current = committed.find((offset) => offset.topic === topic && offset.partition === partition)?.offset;
      return {
        topic,
        partition,
        committed: current === undefined || current < 0n ? null : current,
        earliest: earliest.get(key)!,
        latest: latest.get(key)!,
        ...(atTimestamp === null ? {} : { atTimestamp: atTimestamp.get(key)! }),
      };
    }),
  );
  const plan = planOffsetReset(spec, partitions);
  if (!options.dryRun && !options.execute) {
    process.stderr.write('WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behaviour without the warning.\n');
  }
  if (options.execute) await admin.commitOffsets(groupId, plan);
  process.stdout.write(`\n${formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plan.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)]))}`);
}

async function runConsumerGroups(client: KafkaClient, options: ConsumerGroupsOptions): Promise<void> {
  const action = consumerGroupsAction(options);
  const admin = new Admin(client);
  switch (action) {
    case 'list':
      for (const group of await admin.listGroups()) process.stdout.write(`${group.groupId}\n`);
      return;
    case 'describe': {
      const groups = options.allGroups ? (await admin.listGroups()).map((group) => group.groupId) : [options.group!];
      for (const groupId of groups) await describe(client, admin, groupId, options);
      return;
    }
    case 'deleteOffsets': {
      const { topic, partitions } = parseTopicPartitions(options.topic![0]!);
      const indexes = partitions ?? (await client.topicMetadata(topic)).partitions.map((partition) => partition.partition);
      await admin.deleteOffsets(options.group!, topic, indexes);
      process.stdout.write(`Request succeed for deleting offsets with topic ${topic} group ${options.group}\n\n`);
      process.stdout.write(formatTable(['TOPIC', 'PARTITION', 'STATUS'], indexes.map((partition) => [topic, String(partition), 'Successful'])));
      return;
    }
    case 'delete': {
      const results = await admin.deleteGroups([options.group!]);
      const failed = [...results].filter(([, code]) => code !== ErrorCode.NONE);
      if (failed.length > 0) {
        const lines = failed.map(([groupId, code]) => `* Group '${groupId}' could not be deleted due to: ${errorName(code)}`);
        throw new ToolUsageError(`Deletion of some consumer groups failed:\n${lines.join('\n')}`);
      }
      process.stdout.write(`Deletion of requested consumer groups ('${options.group}') was successful.\n`);
      return;
    }
    case 'resetOffsets':
      return resetOffsets(client, admin, options);
  }
}

/** `freshet consumer-groups`, as Kafka's kafka-consumer-groups tool (classic groups). */
export function consumerGroupsCommand(): Command {
  return new Command('consumer-groups')
    .description('List, describe, delete consumer groups and reset their offsets (like kafka-consumer-groups)')
    .addOption(bootstrapServerOption())
    .option('--list', 'list the groups')
    .option('--describe', "describe a group's offsets, lag and members")
    .option('--delete', 'delete a group (it must have no members)')
    .option('--reset-offsets', "reset a group's committed offsets (the group must have no members)")
    .option('--delete-offsets', "delete a group's committed offsets of a topic (the group must not consume it)")
    .option('--group <group>', 'the group')
    .option('--all-groups', 'with --describe: every group')
    .option('--members', 'with --describe: the members and how many partitions each has')
    .option('--state', 'with --describe: the coordinator, assignment strategy, state and member count')
    .option('--topic <topic[:p,p]>', 'with --reset-offsets (repeatable) or --delete-offsets: a topic, optionally some of its partitions', collect)
    .option('--all-topics', 'with --reset-offsets: every topic the group has offsets for')
    .option('--to-earliest', 'reset to the log start')
    .option('--to-latest', 'reset to the log end')
    .option('--to-current', 'reset to the committed offset')
    .option('--to-offset <offset>', 'reset to this offset (kept within the log)')
    .option('--shift-by <n>', 'move the committed offset by n (may be negative)')
    .option('--to-datetime <YYYY-MM-DDTHH:mm:SS.sss>', 'reset to the first record at or after this time')
    .option('--by-duration <PnDTnHnMnS>', 'reset to the first record at or after this long ago')
    .option('--dry-run', 'print the new offsets without committing them (the default)')
    .option('--execute', 'commit the new offsets')
    .action(clientAction<ConsumerGroupsOptions>(runConsumerGroups, 'freshet-consumer-groups'));
}
