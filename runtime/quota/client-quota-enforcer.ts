import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import type { FetchRequest, FetchResponse } from '../../core/protocol/generated/messages/fetch.js';
import type { ProduceRequest } from '../../core/protocol/generated/messages/produce.js';
import { ClientQuotaManager, ClientQuotaType } from '../../core/security/client-quota-manager.js';
import type { QuotaWindow } from '../../core/security/client-quota-rate.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { ApiHandler, RequestContext } from '../handlers/registry.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { ClientQuotaIndex } from './client-quota-source.js';
import { isControllerMutation, planMutations, type MutationPlan } from './controller-mutation-quota.js';
import type { MetadataImage } from '../../core/raft/metadata/metadata-image.js';

/** Never throttled, as in Kafka: a client must always be able to learn versions and authenticate. */
const exemptApis: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/**
 * KIP-219: from these versions on, the client backs off by the response's throttle_time_ms
 * itself, so the broker answers at once and then mutes the connection; for older versions (and
 * APIs not listed) the broker holds the response back for the throttle time. Kafka's
 * AbstractResponse.shouldClientThrottle, per API.
 */
const clientThrottlesFrom: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 6], [ApiKey.Fetch, 8], [ApiKey.ListOffsets, 3], [ApiKey.Metadata, 6], [ApiKey.OffsetCommit, 4],
  [ApiKey.OffsetFetch, 4], [ApiKey.FindCoordinator, 2], [ApiKey.JoinGroup, 3], [ApiKey.Heartbeat, 2], [ApiKey.LeaveGroup, 2],
  [ApiKey.SyncGroup, 2], [ApiKey.DescribeGroups, 2], [ApiKey.ListGroups, 2], [ApiKey.CreateTopics, 3], [ApiKey.DeleteTopics, 2],
  [ApiKey.DeleteRecords, 1], [ApiKey.InitProducerId, 1], [ApiKey.AddPartitionsToTxn, 1], [ApiKey.AddOffsetsToTxn, 1],
  [ApiKey.EndTxn, 1], [ApiKey.TxnOffsetCommit, 1], [ApiKey.DescribeAcls, 1], [ApiKey.CreateAcls, 1], [ApiKey.DeleteAcls, 1],
  [ApiKey.DescribeConfigs, 2], [ApiKey.AlterConfigs, 1], [ApiKey.DescribeLogDirs, 1], [ApiKey.CreatePartitions, 1],
  [ApiKey.DeleteGroups, 1], [ApiKey.ElectLeaders, 0], [ApiKey.IncrementalAlterConfigs, 0], [ApiKey.AlterPartitionReassignments, 0],
  [ApiKey.ListPartitionReassignments, 0], [ApiKey.OffsetDelete, 0], [ApiKey.DescribeUserScramCredentials, 0],
  [ApiKey.AlterUserScramCredentials, 0], [ApiKey.DescribeTopicPartitions, 0],
]);

/** Kafka's request quota unit: percent of one thread, recorded as percent-seconds. */
const NANOS_TO_PERCENT = 100 / 1e9;
const EXPIRY_CHECK_MS = 60_000;

export interface ClientQuotaEnforcerOptions {
  readonly window: QuotaWindow;
  readonly quotas: ClientQuotaManager;
  readonly metrics: BrokerMetrics;
  /** For controller mutations: the partitions of the topics deleted or grown, and `num.partitions` for CreateTopics' -1. */
  readonly image: () => MetadataImage;
  readonly numPartitions: number;
  readonly nowMs?: () => number;
}

/**
 * Client quotas on the broker's requests, as Kafka's KafkaApis applies them: Produce bytes
 * (recorded after the append), Fetch bytes of the answer (a throttled fetch answers no data, and
 * its bytes are taken back), and every request's handling time against request_percentage. The
 * larger throttle time goes into the response's throttle_time_ms and the connection is muted for
 * that long (KIP-219); an older client's response is held back that long instead.
 */
export class ClientQuotaEnforcer {
  private readonly nowMs: () => number;
  private lastExpiryMs = 0;
  /** Per connection under a quota: the last of its requests, which the next one waits for. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Per throttled connection: when its throttle time ends. */
  private readonly mutedUntil = new Map<string, number>();
  private readonly throttleTimeMs;
  private readonly throttled;
  private readonly measured;

  constructor(private readonly options: ClientQuotaEnforcerOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    const { metrics } = options;
    this.throttleTimeMs = metrics.counter({ name: 'freshet_quota_throttle_time_ms_total', help: 'Throttle time given to clients, by quota type (Produce, Fetch, Request, ControllerMutation).', labelNames: ['quota_type'] });
    this.throttled = metrics.counter({ name: 'freshet_quota_throttled_responses_total', help: 'Responses that carried a throttle time, by quota type.', labelNames: ['quota_type'] });
    this.measured = metrics.counter({ name: 'freshet_quota_measured_bytes_total', help: 'Bytes recorded against byte-rate quotas, by quota type (Produce, Fetch).', labelNames: ['quota_type'] });
  }

  /**
   * The handler with quotas applied (exempt APIs are returned as they are). A client under a quota
   * is served as Kafka serves every connection: one request at a time, the next one started only
   * once the previous one is answered and its throttle time has passed; pipelined requests wait
   * (unlimited clients keep pipelining).
   */
  wrap(handler: ApiHandler): ApiHandler {
    if (exemptApis.has(handler.apiKey)) return handler;
    const run = (context: RequestContext, request: unknown): unknown => {
      const startedAt = process.hrtime.bigint();
      const plan = isControllerMutation(handler.apiKey) ? this.planMutations(handler.apiKey, context, request) : null;
      const result = handler.handle(context, plan?.request ?? request);
      // The synchronous part is this request's time on the network thread; awaited work runs elsewhere or waits.
      const threadNs = Number(process.hrtime.bigint() - startedAt);
      const answer = (response: unknown): unknown => this.apply(handler.apiKey, context, request, plan === null ? response : plan.settle(response), threadNs, plan?.throttleMs ?? 0);
      return result instanceof Promise ? result.then(answer) : answer(result);
    };
    return {
      ...handler,
      handle: (context, request) => {
        const lane = this.lanes.get(context.connectionId);
        if (lane === undefined && !this.applies(context)) return run(context, request);
        const connectionId = context.connectionId;
        const answered = (lane ?? Promise.resolve()).then(() => this.mutedFor(connectionId)).then(() => run(context, request));
        const tail = answered.then(ignore, ignore);
        this.lanes.set(connectionId, tail);
        void tail.then(() => {
          if (this.lanes.get(connectionId) === tail) this.lanes.delete(connectionId);
        });
        return answered;
      },
    };
  }

  /** Whether any quota bounds this client (Produce, Fetch or Request). */
  private applies(context: RequestContext): boolean {
    const { quotas } = this.options;
    const user = context.principal.name;
    const clientId = context.clientId ?? '';
    return Object.values(ClientQuotaType).some((type) => quotas.bound(type, user, clientId) !== null);
  }

  /** CreateTopics/CreatePartitions/DeleteTopics charged to the client's controller_mutation_rate, or null without one. */
  private planMutations(apiKey: number, context: RequestContext, request: unknown): MutationPlan | null {
    const { quotas } = this.options;
    const user = context.principal.name;
    const clientId = context.clientId ?? '';
    if (quotas.bound(ClientQuotaType.controllerMutation, user, clientId) === null) return null;
    const nowMs = this.nowMs();
    return planMutations(apiKey, context.apiVersion, request, this.options.image(), this.options.numPartitions, {
      take: (permits, strict) => quotas.mutate(user, clientId, permits, strict, nowMs),
      giveBack: (permits) => void quotas.mutate(user, clientId, -permits, false, this.nowMs()),
    });
  }

  /** Resolves once the connection's throttle time is over. */
  private mutedFor(connectionId: string): Promise<void> | undefined {
    const until = this.mutedUntil.get(connectionId);
    if (until === undefined) return undefined;
    const waitMs = until - this.nowMs();
    if (waitMs <= 0) {
      this.mutedUntil.delete(connectionId);
      return undefined;
    }
    return new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  private apply(apiKey: number, context: RequestContext, request: unknown, response: unknown, threadNs: number, mutationMs: number): unknown {
    const nowMs = this.nowMs();
    this.expireSensors(nowMs);
    const { quotas } = this.options;
    const user = context.principal.name;
    const clientId = context.clientId ?? '';
    let bandwidthMs = 0;
    let bandwidthType: ClientQuotaType = ClientQuotaType.produce;
    let answer = response;
    if (apiKey === ApiKey.Fetch && isFollowerFetch(request as FetchRequest)) return response;
    if (apiKey === ApiKey.Produce && quotas.enabled(ClientQuotaType.produce)) {
      const bytes = producedBytes(request as ProduceRequest);
      this.measured.inc({ quota_type: ClientQuotaType.produce }, bytes);
      bandwidthMs = quotas.record(ClientQuotaType.produce, user, clientId, bytes, nowMs);
    } else if (apiKey === ApiKey.Fetch && response !== null && quotas.enabled(ClientQuotaType.fetch)) {
      const bytes = fetchedBytes(response as FetchResponse);
      bandwidthType = ClientQuotaType.fetch;
      bandwidthMs = quotas.record(ClientQuotaType.fetch, user, clientId, bytes, nowMs);
      if (bandwidthMs > 0) {
        // As Kafka: the data is not sent, so it does not count; the client fetches it again later.
        quotas.unrecord(ClientQuotaType.fetch, user, clientId, bytes, nowMs);
        answer = throttledFetch(request as FetchRequest, response as FetchResponse);
      } else this.measured.inc({ quota_type: ClientQuotaType.fetch }, bytes);
    }
    const requestMs = quotas.enabled(ClientQuotaType.request) ? quotas.record(ClientQuotaType.request, user, clientId, threadNs * NANOS_TO_PERCENT, nowMs) : 0;
    const throttleMs = Math.max(bandwidthMs, requestMs, mutationMs);
    if (throttleMs <= 0) return answer;
    const type = mutationMs === throttleMs ? ClientQuotaType.controllerMutation : bandwidthMs >= requestMs ? bandwidthType : ClientQuotaType.request;
    this.throttled.inc({ quota_type: type });
    this.throttleTimeMs.inc({ quota_type: type }, throttleMs);
    if (answer !== null && typeof answer === 'object' && 'throttleTimeMs' in answer) (answer as { throttleTimeMs: number }).throttleTimeMs = throttleMs;
    context.muteFor?.(throttleMs);
    this.mutedUntil.set(context.connectionId, Math.max(this.mutedUntil.get(context.connectionId) ?? 0, nowMs + throttleMs));
    const clientThrottles = context.apiVersion >= (clientThrottlesFrom.get(apiKey) ?? Number.POSITIVE_INFINITY);
    if (answer === null || clientThrottles) return answer;
    return new Promise((resolve) => setTimeout(() => resolve(answer), throttleMs));
  }

  private expireSensors(nowMs: number): void {
    if (nowMs - this.lastExpiryMs < EXPIRY_CHECK_MS) return;
    this.lastExpiryMs = nowMs;
    this.options.quotas.expire(nowMs);
    for (const [connectionId, until] of this.mutedUntil) if (until <= nowMs) this.mutedUntil.delete(connectionId);
  }
}

function ignore(): void {}

function isFollowerFetch(request: FetchRequest): boolean {
  return request.replicaId >= 0 || request.replicaState.replicaId >= 0;
}

function producedBytes(request: ProduceRequest): number {
  let bytes = 0;
  for (const topic of request.topicData) for (const partition of topic.partitionData) bytes += partition.records?.length ?? 0;
  return bytes;
}

function fetchedBytes(response: FetchResponse): number {
  let bytes = 0;
  for (const topic of response.responses) for (const partition of topic.partitions) bytes += partition.records?.length ?? 0;
  return bytes;
}

/** Kafka's throttled fetch answer: no partitions; an incremental session keeps its id, any other fetch gets none. */
function throttledFetch(request: FetchRequest, response: FetchResponse): FetchResponse {
  return { ...response, responses: [], sessionId: request.sessionEpoch > 0 ? response.sessionId : 0 };
}

/**
 * The broker's client quotas: `quota.window.num` × `quota.window.size.seconds`, the quotas of the
 * metadata image (followed as it changes), and Kafka's removed `quota.producer.default` /
 * `quota.consumer.default` read as the `<default>` client-id entity's, with a warning.
 */
export function startClientQuotaEnforcer(config: BrokerConfig, metadata: ClusterMetadata, metrics: BrokerMetrics, log: Logger): ClientQuotaEnforcer {
  const v = config.values;
  const legacy = (key: 'quota.producer.default' | 'quota.consumer.default', entityKey: string): number | null => {
    if (config.staticProperties[key] === undefined) return null;
    log.warn(`${key} was removed in Kafka 3.0; it is read as ${entityKey}=${v[key]} of the <default> client-id entity. Set that instead: freshet configs --alter --add-config ${entityKey}=${v[key]} --entity-type clients --entity-default`);
    return v[key];
  };
  const index = new ClientQuotaIndex({ producerByteRate: legacy('quota.producer.default', 'producer_byte_rate'), consumerByteRate: legacy('quota.consumer.default', 'consumer_byte_rate') });
  index.rebuild(metadata.image());
  metadata.onChange((image) => index.rebuild(image));
  const window = { samples: v['quota.window.num'], windowMs: v['quota.window.size.seconds'] * 1000 };
  return new ClientQuotaEnforcer({ window, quotas: new ClientQuotaManager(window, index.source), metrics, image: () => metadata.image(), numPartitions: v['num.partitions'] });
}
