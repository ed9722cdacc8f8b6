import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../config/broker-config.js';
import { listenerSecurity } from './listener-security.js';

const events = { succeeded: () => {}, failed: () => {} };
const base = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.quorum.voters': '1@127.0.0.1:9093',
  'controller.listener.names': 'CONTROLLER',
  listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,CLIENTS://:9094',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,CLIENTS:SASL_PLAINTEXT',
};
const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

function security(properties: Record<string, string>) {
  const { config, warnings } = loadBrokerConfig({ ...base, ...properties });
  expect(warnings).toEqual([]);
  return listenerSecurity(config, config.listeners, events);
}

describe('listenerSecurity', () => {
  it('gives SASL listeners an authenticator with the listener-prefixed mechanisms and JAAS users, and others none', () => {
    const listeners = security({
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      'listener.name.clients.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.clients.plain.sasl.jaas.config': jaas,
    });
    expect(listeners.get('PLAINTEXT')).toEqual({ securityProtocol: 'PLAINTEXT' });
    expect(listeners.get('CLIENTS')!.securityProtocol).toBe('SASL_PLAINTEXT');
    expect(listeners.get('CLIENTS')!.newAuthenticator!().authenticated).toBe(false);
  });

  it.each([
    [{}, /SASL mechanism GSSAPI in sasl.enabled.mechanisms is not supported/],
    [{ 'sasl.enabled.mechanisms': 'PLAIN' }, /enables SASL mechanism PLAIN but listener.name.clients.plain.sasl.jaas.config is not set/],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.clients.plain.sasl.jaas.config': 'com.example.Other required;' }, /names login module com.example.Other/],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.clients.plain.sasl.jaas.config': 'x required user_a="secret' }, /unterminated quoted value/],
    [{ 'sasl.enabled.mechanisms': '' }, /sasl.enabled.mechanisms is empty/],
  ])('refuses %o at start-up', (properties, message) => {
    expect(() => security(properties)).toThrow(message);
  });
});
