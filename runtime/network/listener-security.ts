import { parseJaasConfig, JaasConfigError } from '../../core/security/jaas-config.js';
import { PlainSaslServer, plainUsersFromJaasOptions } from '../../core/security/sasl/plain-server.js';
import type { SaslServerFactory } from '../../core/security/sasl/sasl-server.js';
import { SCRAM_MECHANISMS, ScramSaslServer, type ScramCredentialLookup, type ScramMechanismName } from '../../core/security/sasl/scram.js';
import { randomBytes } from 'node:crypto';
import { OAuthBearerUnsecuredServer, unsecuredJwtOptions } from '../../core/security/sasl/oauthbearer-server.js';
import { listenerConfigValue, type BrokerConfig, type Endpoint } from '../config/broker-config.js';
import { ConfigError } from '../config/config-definition.js';
import type { AuthenticationEvents } from './sasl-authenticator.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { tlsListenerOptions, type TlsListenerOptions } from './tls-listener.js';
import { ConnectionCreationRate } from './connection-creation-rate.js';

/** How one listener secures its connections, resolved from the config once at start. */
export interface ListenerSecurity {
  readonly securityProtocol: string;
  /** On SASL_* listeners: a fresh authenticator per connection. */
  readonly newAuthenticator?: () => SaslAuthenticator;
  /** On SSL and SASL_SSL listeners. */
  readonly tls?: TlsListenerOptions;
}

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTHBEARER_LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

function jaasKey(listenerName: string, mechanism: string): string {
  return `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
}

/**
 * Each listener's security from Kafka's keys: TLS (`ssl.*`, see tlsListenerOptions), the SASL mechanisms of
 * `sasl.enabled.mechanisms` (or `listener.name.<listener>.sasl.enabled.mechanisms`),
 * each with its JAAS login module from `listener.name.<listener>.<mechanism>.sasl.jaas.config`.
 * Throws ConfigError for what Kafka would refuse at start-up.
 */
export function listenerSecurity(
  config: BrokerConfig,
  endpoints: readonly Endpoint[],
  events: AuthenticationEvents,
  /** SCRAM credentials, from the metadata image (none on a node without the broker role). */
  scramCredentials: ScramCredentialLookup = () => undefined,
): Map<string, ListenerSecurity> {
  const result = new Map<string, ListenerSecurity>();
  for (const endpoint of endpoints) {
    const { listenerName, securityProtocol } = endpoint;
    const tls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL' ? { tls: tlsListenerOptions(config, listenerName, securityProtocol) } : {};
    if (!securityProtocol.startsWith('SASL_')) {
      result.set(listenerName, { securityProtocol, ...tls });
      continue;
    }
    const mechanisms = saslMechanisms(config, listenerName, scramCredentials);
    const maxReauthMs = Number(listenerConfigValue(config, listenerName, 'connections.max.reauth.ms') ?? 0);
    result.set(listenerName, {
      securityProtocol,
      ...tls,
      newAuthenticator: () => new SaslAuthenticator({ mechanisms, maxReauthMs, events, now: Date.now }),
    });
  }
  return result;
}

/**
 * max.connection.creation.rate (or its listener.name.<listener>. form) of each client listener set
 * below the unlimited default; the inter-broker listener is exempt, as in Kafka.
 */
export function connectionCreationRates(config: BrokerConfig, endpoints: readonly Endpoint[]): Map<string, ConnectionCreationRate> {
  const rates = new Map<string, ConnectionCreationRate>();
  for (const { listenerName } of endpoints) {
    if (listenerName === config.interBrokerListenerName) continue;
    const rate = Number(listenerConfigValue(config, listenerName, 'max.connection.creation.rate') ?? NaN);
    if (Number.isInteger(rate) && rate > 0 && rate < 2147483647) rates.set(listenerName, new ConnectionCreationRate(rate));
  }
  return rates;
}

function saslMechanisms(config: BrokerConfig, listenerName: string, scramCredentials: ScramCredentialLookup): Map<string, SaslServerFactory> {
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
      case 'SCRAM-SHA-256':
      case 'SCRAM-SHA-512': {
        // The JAAS line is optional here: SCRAM users live in the metadata log, not in the login module.
        if (config.staticProperties[jaasKey(listenerName, mechanism)] !== undefined) jaasOptions(config, listenerName, mechanism, SCRAM_LOGIN_MODULE);
        const scram: ScramMechanismName = mechanism;
        mechanisms.set(mechanism, () => new ScramSaslServer(scram, scramCredentials, () => randomBytes(18).toString('base64')));
        break;
      }
      case 'OAUTHBEARER': {
        const key = jaasKey(listenerName, mechanism);
        const options = unsecuredJwtOptions(config.staticProperties[key] === undefined ? new Map() : jaasOptions(config, listenerName, mechanism, OAUTHBEARER_LOGIN_MODULE));
        mechanisms.set(mechanism, () => new OAuthBearerUnsecuredServer(options, Date.now));
        break;
      }
      default:
        throw new ConfigError(
          `Listener ${listenerName}: SASL mechanism ${mechanism} in sasl.enabled.mechanisms is not supported (supported: PLAIN, ${Object.keys(SCRAM_MECHANISMS).join(', ')}, OAUTHBEARER with unsecured tokens)`,
        );
    }
  }
  return mechanisms;
}

/** The options of the login module Kafka's broker reads for this listener and mechanism. */
function jaasOptions(config: BrokerConfig, listenerName: string, mechanism: string, loginModule: string): ReadonlyMap<string, string> {
  const key = jaasKey(listenerName, mechanism);
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
