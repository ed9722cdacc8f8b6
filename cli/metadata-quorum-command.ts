import { Command } from 'commander';
import { BrokerConnection } from '../client/broker-connection.js';
import { KafkaClientError } from '../client/client-error.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import type { DescribeClusterResponse } from '../core/protocol/generated/messages/describe-cluster.js';
import type { DescribeQuorumResponse, DescribeQuorumResponsePartitionData, DescribeQuorumResponseReplicaState } from '../core/protocol/generated/messages/describe-quorum.js';
import { formatTable, printToolError, ToolUsageError } from './kafka-tool.js';

const METADATA_TOPIC = '__cluster_metadata';
const CONTROLLER_ENDPOINTS = 2;
/** A quorum that is electing has no leader to answer: ask again for a little while. */
const LEADER_WAIT_MS = 5_000;

interface MetadataQuorumOptions {
  bootstrapController?: string;
  bootstrapServer?: string;
}

export interface QuorumInfo {
  readonly clusterId: string;
  readonly partition: DescribeQuorumResponsePartitionData;
  readonly nowMs: number;
}

/** `freshet metadata-quorum --bootstrap-controller host:port describe --status|--replication`, as kafka-metadata-quorum. */
export function metadataQuorumCommand(): Command {
  const command = new Command('metadata-quorum')
    .description('Describe the KRaft metadata quorum (like kafka-metadata-quorum)')
    .option('--bootstrap-controller <host:port[,host:port]>', 'controller(s) to ask (their controller listener)')
    .option('--bootstrap-server <host:port[,host:port]>', 'broker(s) to ask instead; they forward to the quorum leader');
  command
    .command('describe')
    .description('Print the quorum status or each replica’s replication state')
    .option('--status', 'leader, epoch, high watermark, lag, voters and observers')
    .option('--replication', 'one row per voter and observer')
    .option('--human-readable', 'with --replication: times as "N ms ago" instead of timestamps')
    .action(async (options: { status?: boolean; replication?: boolean; humanReadable?: boolean }) => {
      try {
        const global = command.opts<MetadataQuorumOptions>();
        if (options.status === options.replication) throw new ToolUsageError('describe needs exactly one of --status or --replication');
        if ((global.bootstrapController === undefined) === (global.bootstrapServer === undefined)) throw new ToolUsageError('give exactly one of --bootstrap-controller or --bootstrap-server');
        const info = global.bootstrapController !== undefined ? await describeQuorum(global.bootstrapController) : await describeQuorumThroughBroker(global.bootstrapServer!);
        process.stdout.write(options.status === true ? formatStatus(info) : formatReplication(info, options.humanReadable === true));
      } catch (error) {
        printToolError(error);
      }
    });
  return command;
}

function parseAddress(text: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text.trim());
  if (match === null) throw new ToolUsageError(`Invalid address "${text}": expected host:port`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

async function withConnection<T>(address: { host: string; port: number }, use: (connection: BrokerConnection) => Promise<T>): Promise<T> {
  const connection = await BrokerConnection.connect(address.host, address.port, { clientId: 'freshet-metadata-quorum', requestTimeoutMs: 10_000 });
  try {
    return await use(connection);
  } finally {
    connection.close();
  }
}

/** Finds the quorum leader through the bootstrap controllers and asks it for DescribeQuorum. */
export async function describeQuorum(bootstrap: string): Promise<QuorumInfo> {
  const addresses = bootstrap.split(',').filter((s) => s.trim() !== '').map(parseAddress);
  const deadline = Date.now() + LEADER_WAIT_MS;
  let lastError: Error = new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `no controller reachable at ${bootstrap}`);
  for (;;) {
    for (const address of addresses) {
      try {
        const cluster = await withConnection(address, (c) => c.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: CONTROLLER_ENDPOINTS }, 1));
        if (cluster.errorCode !== ErrorCode.NONE) throw new KafkaClientError(cluster.errorCode, cluster.errorMessage ?? 'DescribeCluster failed');
        const leader = cluster.brokers.find((b) => b.brokerId === cluster.controllerId);
        if (leader !== undefined) {
          const response = await withConnection(leader, (c) => {
            const version = Math.min(2, c.brokerVersionRange(ApiKey.DescribeQuorum)?.maxVersion ?? 0);
            return c.request<DescribeQuorumResponse>(ApiKey.DescribeQuorum, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] }, version);
          });
          const partition = response.topics[0]?.partitions[0];
          if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, response.errorMessage ?? 'DescribeQuorum failed');
          if (partition !== undefined && partition.errorCode === ErrorCode.NONE) return { clusterId: cluster.clusterId, partition, nowMs: Date.now() };
          if (partition !== undefined) lastError = new KafkaClientError(partition.errorCode, partition.errorMessage ?? 'DescribeQuorum failed');
        } else {
          lastError = new KafkaClientError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the quorum has no leader');
        }
      } catch (error) {
        if (!(error instanceof KafkaClientError)) throw error;
        lastError = error;
      }
    }
    if (Date.now() >= deadline) throw lastError;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Asks a broker, which forwards DescribeQuorum to the quorum leader (Kafka's --bootstrap-server). */
export async function describeQuorumThroughBroker(bootstrap: string): Promise<QuorumInfo> {
  const address = parseAddress(bootstrap.split(',')[0] ?? '');
  return withConnection(address, async (c) => {
    const cluster = await c.request<DescribeClusterResponse>(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 }, 1);
    const version = Math.min(2, c.brokerVersionRange(ApiKey.DescribeQuorum)?.maxVersion ?? 0);
    const response = await c.request<DescribeQuorumResponse>(ApiKey.DescribeQuorum, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] }, version);
    const partition = response.topics[0]?.partitions[0];
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, response.errorMessage ?? 'DescribeQuorum failed');
    if (partition === undefined || partition.errorCode !== ErrorCode.NONE) throw new KafkaClientError(partition?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, partition?.errorMessage ?? 'DescribeQuorum failed');
    return { clusterId: cluster.clusterId, partition, nowMs: Date.now() };
  });
}

function leaderOf(info: QuorumInfo): DescribeQuorumResponseReplicaState | undefined {
  return info.partition.currentVoters.find((v) => v.replicaId === info.partition.leaderId);
}

export function formatStatus(info: QuorumInfo): string {
  const { partition } = info;
  const leader = leaderOf(info);
  const followers = partition.currentVoters.filter((v) => v.replicaId !== partition.leaderId);
  const leaderEnd = leader?.logEndOffset ?? partition.highWatermark;
  const maxLag = followers.reduce((max, f) => (leaderEnd - f.logEndOffset > max ? leaderEnd - f.logEndOffset : max), 0n);
  const leaderCaughtUp = leader?.lastCaughtUpTimestamp ?? BigInt(info.nowMs);
  const maxLagTimeMs = followers.reduce((max, f) => {
    const lag = f.lastCaughtUpTimestamp < 0n ? leaderCaughtUp : leaderCaughtUp - f.lastCaughtUpTimestamp;
    return lag > max ? lag : max;
  }, 0n);
  const rows: [string, string][] = [
    ['ClusterId', info.clusterId],
    ['LeaderId', String(partition.leaderId)],
    ['LeaderEpoch', String(partition.leaderEpoch)],
    ['HighWatermark', String(partition.highWatermark)],
    ['MaxFollowerLag', String(maxLag)],
    ['MaxFollowerLagTimeMs', String(maxLagTimeMs)],
    ['CurrentVoters', `[${partition.currentVoters.map((v) => v.replicaId).sort((a, b) => a - b).join(',')}]`],
    ['CurrentObservers', `[${partition.observers.map((v) => v.replicaId).sort((a, b) => a - b).join(',')}]`],
  ];
  return rows.map(([name, value]) => `${`${name}:`.padEnd(24)}${value}`).join('\n') + '\n';
}

/** Kafka's --replication table: timestamps in epoch ms, or "N ms ago" when human-readable. */
export function formatReplication(info: QuorumInfo, humanReadable = false): string {
  const { partition } = info;
  const leaderEnd = leaderOf(info)?.logEndOffset ?? partition.highWatermark;
  const time = (timestamp: bigint): string => (timestamp < 0n ? '-1' : humanReadable ? `${BigInt(info.nowMs) - timestamp} ms ago` : String(timestamp));
  const row = (replica: DescribeQuorumResponseReplicaState, status: string): string[] => [
    String(replica.replicaId),
    String(replica.logEndOffset),
    String(leaderEnd - replica.logEndOffset),
    time(replica.lastFetchTimestamp),
    time(replica.lastCaughtUpTimestamp),
    status,
  ];
  const voters = [...partition.currentVoters].sort((a, b) => (a.replicaId === partition.leaderId ? -1 : b.replicaId === partition.leaderId ? 1 : a.replicaId - b.replicaId));
  const rows = [...voters.map((v) => row(v, v.replicaId === partition.leaderId ? 'Leader' : 'Follower')), ...partition.observers.map((o) => row(o, 'Observer'))];
  return formatTable(['NodeId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'], rows);
}
