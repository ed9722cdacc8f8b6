import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultBrokerHeartbeatResponse, type BrokerHeartbeatRequest, type BrokerHeartbeatResponse } from '../../core/protocol/generated/messages/broker-heartbeat.js';
import type { ControllerApi } from '../controller/quorum-controller.js';
import type { ApiHandler } from './registry.js';

/** BrokerHeartbeat v0-1 on the controller listener, decided by the active controller (NOT_CONTROLLER elsewhere). */
export function createBrokerHeartbeatHandler(controller: Pick<ControllerApi, 'brokerHeartbeat'>): ApiHandler<BrokerHeartbeatRequest, BrokerHeartbeatResponse> {
  return {
    apiKey: ApiKey.BrokerHeartbeat,
    name: 'BrokerHeartbeat',
    minVersion: 0,
    maxVersion: 1,
    handle: (_context, request) => controller.brokerHeartbeat(request),
    errorResponse: (_request, errorCode) => ({ ...defaultBrokerHeartbeatResponse(), errorCode }),
  };
}
