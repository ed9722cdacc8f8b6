import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { AuthenticationEvents } from './sasl-authenticator.js';

/**
 * Counts authentications by listener, mechanism and result, and logs each
 * failure with the client's address and the reason (the reason never holds a
 * secret: the mechanisms write it so).
 */
export function authenticationEvents(metrics: BrokerMetrics, log: Logger): AuthenticationEvents {
  const total = metrics.counter({
    name: 'freshet_network_authentications_total',
    help: 'SASL authentications by listener, mechanism and result (success, failure, reauthentication).',
    labelNames: ['listener', 'mechanism', 'result'] as const,
  });
  return {
    succeeded: (info, mechanism, reauthentication) => {
      total.inc({ listener: info.listenerName, mechanism, result: reauthentication ? 'reauthentication' : 'success' });
    },
    failed: (info, mechanism, reason) => {
      total.inc({ listener: info.listenerName, mechanism, result: 'failure' });
      log.info(
        `Failed authentication with ${info.clientAddress} (connection ${info.connectionId}, listener ${info.listenerName}, ` +
          `mechanism ${mechanism}): ${reason}`,
      );
    },
  };
}
