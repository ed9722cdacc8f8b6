import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { defaultBrokerRegistrationResponse, type BrokerRegistrationRequest, type BrokerRegistrationResponse } from '../../core/protocol/generated/messages/broker-registration.js';
import type { ControllerApi } from '../controller/quorum-controller.js';
import type { ApiHandler } from './registry.js';

/** BrokerRegistration v0-4 on the controller listener, decided by the active controller (NOT_CONTROLLER elsewhere). */
export function createBrokerRegistrationHandler(controller: Pick<ControllerApi, 'registerBroker'>): ApiHandler<BrokerRegistrationRequest, BrokerRegistrationResponse> {
  return {
    apiKey: ApiKey.BrokerRegistration,
    name: 'BrokerRegistration',
    minVersion: 0,
    maxVersion: 4,
    handle: (_context, request) => controller.registerBroker(request),
    errorResponse: (_request, errorCode) => ({ ...defaultBrokerRegistrationResponse(), errorCode }),
  };
}
