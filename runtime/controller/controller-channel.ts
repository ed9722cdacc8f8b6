import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { QuorumVoter } from '../../core/raft/quorum-voters.js';
import { PeerConnection } from '../raft/peer-connection.js';
import type { RaftDriver } from '../raft/raft-driver.js';
import type { ControllerApi, QuorumController } from './quorum-controller.js';

/** The versions a broker forwards at: the newest of each schema (every Freshet controller serves them). */
const forwardVersions: Record<number, number> = {
  [ApiKey.CreateTopics]: 7,
  [ApiKey.DeleteTopics]: 6,
  [ApiKey.CreatePartitions]: 3,
  [ApiKey.IncrementalAlterConfigs]: 1,
  [ApiKey.BrokerRegistration]: 4,
  [ApiKey.BrokerHeartbeat]: 1,
  [ApiKey.AllocateProducerIds]: 0,
  [ApiKey.AlterPartition]: 3,
  [ApiKey.ElectLeaders]: 2,
  [ApiKey.AlterPartitionReassignments]: 0,
  [ApiKey.ListPartitionReassignments]: 0,
  [ApiKey.CreateAcls]: 3,
  [ApiKey.DeleteAcls]: 3,
  [ApiKey.AlterClientQuotas]: 1,
  [ApiKey.AlterUserScramCredentials]: 0,
};
const FORWARD_CLIENT_ID = 'freshet-controller-channel';
const RETRY_BACKOFF_MS = 50;

/** Thrown when no controller answered within the timeout. */
export class ControllerUnavailableError extends Error {
  override readonly name = 'ControllerUnavailableError';
}

/** True when any errorCode in a response says NOT_CONTROLLER (the operation was not performed). */
function saysNotController(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(saysNotController);
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'errorCode' && field === ErrorCode.NOT_CONTROLLER) return true;
    if (typeof field === 'object' && saysNotController(field)) return true;
  }
  return false;
}

/**
 * How a broker reaches the active controller, as Kafka's forwarding manager does: a local call
 * when this node's controller leads the quorum, else the Kafka request over the controller
 * listener of the leader Raft names; retried on NOT_CONTROLLER or no leader until the timeout.
 */
export class ControllerChannel implements ControllerApi {
  private readonly connections = new Map<number, PeerConnection>();

  constructor(
    private readonly nodeId: number,
    private readonly driver: RaftDriver,
    private readonly local: QuorumController | null,
    private readonly voters: readonly QuorumVoter[],
    private readonly requestTimeoutMs: number,
  ) {}

  close(): void {
    for (const connection of this.connections.values()) connection.close();
  }

  createTopics = this.forward(ApiKey.CreateTopics, (c) => c.createTopics.bind(c));
  deleteTopics = this.forward(ApiKey.DeleteTopics, (c) => c.deleteTopics.bind(c));
  createPartitions = this.forward(ApiKey.CreatePartitions, (c) => c.createPartitions.bind(c));
  incrementalAlterConfigs = this.forward(ApiKey.IncrementalAlterConfigs, (c) => c.incrementalAlterConfigs.bind(c));
  registerBroker = this.forward(ApiKey.BrokerRegistration, (c) => c.registerBroker.bind(c));
  brokerHeartbeat = this.forward(ApiKey.BrokerHeartbeat, (c) => c.brokerHeartbeat.bind(c));
  allocateProducerIds = this.forward(ApiKey.AllocateProducerIds, (c) => c.allocateProducerIds.bind(c));
  alterPartition = this.forward(ApiKey.AlterPartition, (c) => c.alterPartition.bind(c));
  electLeaders = this.forward(ApiKey.ElectLeaders, (c) => c.electLeaders.bind(c));
  alterPartitionReassignments = this.forward(ApiKey.AlterPartitionReassignments, (c) => c.alterPartitionReassignments.bind(c));
  listPartitionReassignments = this.forward(ApiKey.ListPartitionReassignments, (c) => c.listPartitionReassignments.bind(c));
  createAcls = this.forward(ApiKey.CreateAcls, (c) => c.createAcls.bind(c));
  deleteAcls = this.forward(ApiKey.DeleteAcls, (c) => c.deleteAcls.bind(c));
  alterClientQuotas = this.forward(ApiKey.AlterClientQuotas, (c) => c.alterClientQuotas.bind(c));
  alterUserScramCredentials = this.forward(ApiKey.AlterUserScramCredentials, (c) => c.alterUserScramCredentials.bind(c));

  /** A request to one controller's listener as is (no NOT_CONTROLLER retry): DescribeQuorum forwarded by a broker. */
  requestTo<Res>(nodeId: number, apiKey: number, apiVersion: number, request: unknown): Promise<Res> {
    const connection = this.connection(nodeId);
    if (connection === undefined) return Promise.reject(new ControllerUnavailableError(`node ${nodeId} is not a quorum voter`));
    return connection.request(apiKey, apiVersion, FORWARD_CLIENT_ID, request) as Promise<Res>;
  }

  private forward<Req, Res>(apiKey: number, localCall: (controller: QuorumController) => (request: Req) => Promise<Res>): (request: Req, timeoutMs?: number) => Promise<Res> {
    return async (request, timeoutMs = this.requestTimeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let last: Res | undefined;
      for (;;) {
        const leaderId = this.driver.status().leaderId;
        if (leaderId >= 0) {
          try {
            const response = leaderId === this.nodeId && this.local !== null ? await localCall(this.local)(request) : ((await this.connection(leaderId)?.request(apiKey, forwardVersions[apiKey]!, FORWARD_CLIENT_ID, request)) as Res | undefined);
            if (response !== undefined && !saysNotController(response)) return response;
            last = response;
          } catch {
            // The leader went away mid-request: ask again once Raft names the next one.
          }
        }
        if (Date.now() + RETRY_BACKOFF_MS >= deadline) {
          if (last !== undefined) return last;
          throw new ControllerUnavailableError(`no active controller answered within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
      }
    };
  }

  private connection(nodeId: number): PeerConnection | undefined {
    let connection = this.connections.get(nodeId);
    if (connection === undefined) {
      const voter = this.voters.find((v) => v.id === nodeId);
      if (voter === undefined) return undefined;
      connection = new PeerConnection({ host: voter.host, port: voter.port, requestTimeoutMs: this.requestTimeoutMs, reconnectBackoffMs: RETRY_BACKOFF_MS, reconnectBackoffMaxMs: 1000 });
      this.connections.set(nodeId, connection);
    }
    return connection;
  }
}
