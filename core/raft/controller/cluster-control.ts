import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import { defaultRegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import { defaultBrokerHeartbeatResponse, type BrokerHeartbeatRequest, type BrokerHeartbeatResponse } from '../../protocol/generated/messages/broker-heartbeat.js';
import { defaultBrokerRegistrationResponse, type BrokerRegistrationRequest, type BrokerRegistrationResponse } from '../../protocol/generated/messages/broker-registration.js';
import type { MetadataRecord } from '../metadata/metadata-record.js';
import type { ControllerContext, ControllerResult, ControllerState } from './controller-state.js';
import { electLeaders, isUsableBroker } from './partition-leader-election.js';

/**
 * BrokerRegistration: a broker joins fenced, with the offset of its RegisterBrokerRecord as its
 * broker epoch. Another incarnation of a live broker id is refused until that one's session expires.
 */
export function registerBroker(state: ControllerState, request: BrokerRegistrationRequest, ctx: ControllerContext): ControllerResult<BrokerRegistrationResponse> {
  const refuse = (errorCode: number): ControllerResult<BrokerRegistrationResponse> => ({ records: [], response: { ...defaultBrokerRegistrationResponse(), errorCode } });
  if (request.clusterId !== state.config.clusterId) return refuse(ErrorCode.INCONSISTENT_CLUSTER_ID);
  const existing = state.image.brokers.get(request.brokerId);
  const lastHeartbeatMs = state.lastHeartbeatMs.get(request.brokerId);
  const sessionAlive = lastHeartbeatMs !== undefined && ctx.nowMs - lastHeartbeatMs < state.config.brokerSessionTimeoutMs;
  if (existing !== undefined && existing.incarnationId !== request.incarnationId && sessionAlive && !existing.fenced) {
    return refuse(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
  }
  const brokerEpoch = BigInt(ctx.nextOffset);
  state.lastHeartbeatMs.set(request.brokerId, ctx.nowMs);
  const records: MetadataRecord[] = [
    {
      type: MetadataRecordType.RegisterBrokerRecord,
      value: {
        ...defaultRegisterBrokerRecord(),
        brokerId: request.brokerId,
        incarnationId: request.incarnationId,
        brokerEpoch,
        endPoints: request.listeners.map((l) => ({ ...l })),
        features: request.features.map((f) => ({ ...f })),
        rack: request.rack,
        fenced: true,
        logDirs: [...request.logDirs],
      },
    },
  ];
  // A re-registration fences the old incarnation: its partitions need other leaders.
  if (existing !== undefined && !existing.fenced) records.push(...electLeaders(state, (id) => id !== request.brokerId && isUsableBroker(state.image, id)));
  return { records, response: { ...defaultBrokerRegistrationResponse(), brokerEpoch } };
}

/**
 * BrokerHeartbeat: keeps the session alive; unfences a broker once its metadata has caught up to
 * its own registration (and it does not ask to stay fenced); fences on request or on shutdown.
 */
export function brokerHeartbeat(state: ControllerState, request: BrokerHeartbeatRequest, ctx: ControllerContext): ControllerResult<BrokerHeartbeatResponse> {
  const broker = state.image.brokers.get(request.brokerId);
  const answer = (errorCode: number, fields: Partial<BrokerHeartbeatResponse> = {}): BrokerHeartbeatResponse => ({ ...defaultBrokerHeartbeatResponse(), errorCode, ...fields });
  if (broker === undefined) return { records: [], response: answer(ErrorCode.BROKER_ID_NOT_REGISTERED) };
  if (broker.brokerEpoch !== request.brokerEpoch) return { records: [], response: answer(ErrorCode.STALE_BROKER_EPOCH) };
  state.lastHeartbeatMs.set(request.brokerId, ctx.nowMs);
  const isCaughtUp = request.currentMetadataOffset >= broker.brokerEpoch;
  const fence = request.wantFence || request.wantShutDown;
  if (fence) {
    const records = broker.fenced ? [] : fenceBrokers(state, [request.brokerId]);
    return { records, response: answer(ErrorCode.NONE, { isCaughtUp, isFenced: true, shouldShutDown: request.wantShutDown }) };
  }
  if (broker.fenced && isCaughtUp) {
    const records: MetadataRecord[] = [{ type: MetadataRecordType.UnfenceBrokerRecord, value: { id: request.brokerId, epoch: broker.brokerEpoch } }];
    // Partitions left without a leader may now get this broker back.
    records.push(...electLeaders(state, (id) => id === request.brokerId || isUsableBroker(state.image, id)));
    return { records, response: answer(ErrorCode.NONE, { isCaughtUp, isFenced: false }) };
  }
  return { records: [], response: answer(ErrorCode.NONE, { isCaughtUp, isFenced: broker.fenced }) };
}

/**
 * The controller's periodic check: fences brokers silent for `broker.session.timeout.ms`; otherwise
 * gives leaderless partitions a leader where one became eligible (an ISR member back, or an
 * out-of-sync replica once the topic's `unclean.leader.election.enable` was turned on).
 */
export function fenceStaleBrokersAndElect(state: ControllerState, ctx: ControllerContext): MetadataRecord[] {
  const fenced = fenceStaleBrokers(state, ctx);
  return fenced.length > 0 ? fenced : electLeaders(state, (id) => isUsableBroker(state.image, id));
}

/** Fences every unfenced broker whose last heartbeat is older than `broker.session.timeout.ms`. */
export function fenceStaleBrokers(state: ControllerState, ctx: ControllerContext): MetadataRecord[] {
  const stale = [...state.image.brokers.values()]
    .filter((broker) => {
      const last = state.lastHeartbeatMs.get(broker.brokerId);
      return !broker.fenced && (last === undefined || ctx.nowMs - last >= state.config.brokerSessionTimeoutMs);
    })
    .map((broker) => broker.brokerId)
    .sort((a, b) => a - b);
  return stale.length === 0 ? [] : fenceBrokers(state, stale);
}

/** FenceBrokerRecords, then one round of new leaders and smaller ISRs for the partitions they served. */
function fenceBrokers(state: ControllerState, brokerIds: readonly number[]): MetadataRecord[] {
  const records: MetadataRecord[] = brokerIds.map((id) => ({ type: MetadataRecordType.FenceBrokerRecord, value: { id, epoch: state.image.brokers.get(id)!.brokerEpoch } }));
  records.push(...electLeaders(state, (id) => !brokerIds.includes(id) && isUsableBroker(state.image, id)));
  return records;
}
