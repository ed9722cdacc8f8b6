import { parseJaasConfig, JaasConfigError } from '../../core/security/jaas-config.js';
import { PlainSaslServer, plainUsersFromJaasOptions } from '../../core/security/sasl/plain-server.js';
import type { SaslServerFactory } from '../../core/security/sasl/sasl-server.js';
import { listenerConfigValue, type BrokerConfig, type Endpoint } from '../config/broker-config.js';
import { ConfigError } from '../config/config-definition.js';
import type { AuthenticationEvents } from './sasl-authenticator.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { tlsListenerOptions, type TlsListenerOptions } from './tls-listener.js';

/** How one listener secures its connections, resolved from the config once at start. */
export interface ListenerSecurity {
  readonly securityProtocol: string;
  /** On SASL_* listeners: a fresh authenticator per connection. */
  readonly newAuthenticator?: () => SaslAuthenticator;
  /** On SSL and SASL_SSL listeners. */
  readonly tls?: TlsListenerOptions;
}

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/**
 * Each listener's security from Kafka's keys: TLS (`ssl.*`, see tlsListenerOptions), the SASL mechanisms of
 * `sasl.enabled.mechanisms` (or `listener.name.<listener>.sasl.enabled.mechanisms`),
 * each with its JAAS login module from `listener.name.<listener>.<mechanism>.sasl.jaas.config`.
 * Throws ConfigError for what Kafka would refuse at start-up.
 */
export function listenerSecurity(config: BrokerConfig, endpoints: readonly Endpoint[], events: AuthenticationEvents): Map<string, ListenerSecurity> {
  const result = new Map<string, ListenerSecurity>();
  for (const endpoint of endpoints) {
    const { listenerName, securityProtocol } = endpoint;
    const tls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL' ? { tls: tlsListenerOptions(config, listenerName, securityProtocol) } : {};
    if (!securityProtocol.startsWith('SASL_')) {
      result.set(listenerName, { securityProtocol, ...tls });
      continue;
    }
    const mechanisms = saslMechanisms(config, listenerName);
    const maxReauthMs = Number(listenerConfigValue(config, listenerName, 'connections.max.reauth.ms') ?? 0);
    result.set(listenerName, {
      securityProtocol,
      ...tls,
      newAuthenticator: () => new SaslAuthenticator({ mechanisms, maxReauthMs, events, now: Date.now }),
    });
  }
  return result;
}

function saslMechanisms(config: BrokerConfig, listenerName: string): Map<string, SaslServerFactory> {
  const enabled = (listenerConfigValue(config, listenerName, 'sasl.enabled.mechanisms') ?? '')
    .split(',')
    .map((mechanism) => mechanism.trim())
    .filter((mechanism) => mechanism !== '');
  if (enabled.length === 0) throw new ConfigError(`Listener ${listenerName} is a SASL listener but sasl.enabled.mechanisms is empty`);
  const mechanisms = new Map<string, SaslServerFactory>();
  for (const mechanism of enabled) {
    switch (mechanism) {
      case 'PLAIN': {
        const options = jaasOptions(config, listenerName, mechanism, PLAIN_LOGIN_MODULE);
        const check = plainUsersFromJaasOptions(options);
        mechanisms.set(mechanism, () => new PlainSaslServer(check));
        break;
      }
      default:
        throw new ConfigError(
          `Listener ${listenerName}: SASL mechanism ${mechanism} in sasl.enabled.mechanisms is not supported (supported: PLAIN)`,
        );
    }
  }
  return mechanisms;
}

/** The options of the login module Kafka's broker reads for this listener and mechanism. */
function jaasOptions(config: BrokerConfig, listenerName: string, mechanism: string, loginModule: string): ReadonlyMap<string, string> {
  const key = `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
  const text = config.staticProperties[key];
  if (text === undefined) throw new ConfigError(`Listener ${listenerName} enables SASL mechanism ${mechanism} but ${key} is not set`);
  try {
    const module = parseJaasConfig(text);
    if (module.loginModule !== loginModule) throw new ConfigError(`${key} names login module ${module.loginModule}; ${mechanism} needs ${loginModule}`);
    return module.options;
  } catch (error) {
    if (error instanceof JaasConfigError) throw new ConfigError(`${key}: ${error.message}`);
    throw error;
  }
}
