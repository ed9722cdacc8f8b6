import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../../test/support/test-certificates.js';
import { loadBrokerConfig } from '../config/broker-config.js';
import { tlsListenerOptions } from './tls-listener.js';

const certs = makeTestCertificates();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const base = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.quorum.voters': '1@127.0.0.1:9093',
  'controller.listener.names': 'CONTROLLER',
  listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,SECURE://:9094,SASL_SECURE://:9095',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SSL,SASL_SECURE:SASL_SSL',
};
const keystore = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.brokerKeystorePath };

const options = (properties: Record<string, string>, listener = 'SECURE', protocol = 'SSL') =>
  tlsListenerOptions(loadBrokerConfig({ ...base, ...properties }).config, listener, protocol);

describe('tlsListenerOptions', () => {
  it('reads a PEM keystore file, TLS 1.2-1.3 by default, no client certificate asked', () => {
    const { tls, clientAuth } = options(keystore);
    expect(tls).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', requestCert: false, rejectUnauthorized: false });
    expect(tls.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tls.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(clientAuth).toBe('none');
  });

  it('takes inline PEM that lost its line breaks, per-listener keys first, and the TLS versions enabled', () => {
    const flat = (path: string) => certs.read(path).replace(/\n/g, ' ');
    const { tls, clientAuth } = options({
      'listener.name.secure.ssl.keystore.type': 'PEM',
      'listener.name.secure.ssl.keystore.key': flat(certs.brokerKeyPath),
      'listener.name.secure.ssl.keystore.certificate.chain': flat(certs.brokerCertPath),
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': flat(certs.caPath),
      'listener.name.secure.ssl.client.auth': 'requested',
      'ssl.enabled.protocols': 'TLSv1.3',
    });
    expect(tls).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false });
    expect(clientAuth).toBe('requested');
  });

  it('applies the broker-wide ssl.client.auth to SSL listeners only, as Kafka', () => {
    const truststore = { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caPath, 'ssl.client.auth': 'required' };
    expect(options({ ...keystore, ...truststore }).clientAuth).toBe('required');
    expect(options({ ...keystore, ...truststore }, 'SASL_SECURE', 'SASL_SSL').clientAuth).toBe('none');
  });

  it.each([
    [{}, /listener SECURE is SSL but has no keystore/],
    [{ 'ssl.keystore.location': certs.brokerKeystorePath }, /ssl.keystore.type is JKS; Freshet reads PEM stores only: set ssl.keystore.type=PEM/],
    [{ ...keystore, 'ssl.keystore.location': '/nonexistent.pem' }, /cannot read ssl.keystore.location \/nonexistent.pem/],
    [{ ...keystore, 'ssl.keystore.location': certs.caPath }, /must hold a private key and its certificate chain/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'x' }, /must be set together/],
    [{ ...keystore, 'ssl.client.auth': 'required' }, /needs a truststore/],
  ])('refuses %o at start-up', (properties, message) => {
    expect(() => options(properties)).toThrow(message);
  });

  it('refuses a key that does not match its certificate', () => {
    const other = makeTestCertificates();
    try {
      expect(() => options({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': certs.read(other.brokerKeyPath), 'ssl.keystore.certificate.chain': certs.read(certs.brokerCertPath) }))
        .toThrow(/the keystore or truststore cannot be used/);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
