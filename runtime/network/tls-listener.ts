import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureVersion, type TLSSocket, type TlsOptions } from 'node:tls';
import { ANONYMOUS, userPrincipal, type KafkaPrincipal } from '../../core/security/kafka-principal.js';
import { listenerConfigValue, type BrokerConfig } from '../config/broker-config.js';
import { ConfigError } from '../config/config-definition.js';

export type SslClientAuth = 'none' | 'requested' | 'required';

/** What a TLS listener's server needs: node:tls options, and how client certificates are asked for. */
export interface TlsListenerOptions {
  readonly tls: TlsOptions;
  readonly clientAuth: SslClientAuth;
}

const PROTOCOL_VERSIONS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];

/**
 * A TLS listener's options from Kafka's `ssl.*` keys (each may be prefixed `listener.name.<listener>.`),
 * PEM only: `ssl.keystore.type=PEM` with the key and its certificate chain either in one file
 * (`ssl.keystore.location`, the key decrypted with `ssl.key.password`) or inline
 * (`ssl.keystore.key`, `ssl.keystore.certificate.chain`); the CAs trusted for client certificates in
 * `ssl.truststore.location` or `ssl.truststore.certificates` (`ssl.truststore.type=PEM`).
 * Throws ConfigError for what would fail at the first handshake, so the broker refuses to start instead.
 */
export function tlsListenerOptions(config: BrokerConfig, listenerName: string, securityProtocol: string): TlsListenerOptions {
  const value = (key: string): string | null => {
    const text = listenerConfigValue(config, listenerName, key);
    return text === null || text === '' ? null : text;
  };
  const where = `listener ${listenerName}`;
  const inlineKey = value('ssl.keystore.key');
  const inlineChain = value('ssl.keystore.certificate.chain');
  const keystoreLocation = value('ssl.keystore.location');
  const passphrase = value('ssl.key.password') ?? undefined;
  let key: string;
  let cert: string;
  if (inlineKey !== null || inlineChain !== null) {
    if (inlineKey === null || inlineChain === null) throw new ConfigError(`${where}: ssl.keystore.key and ssl.keystore.certificate.chain must be set together`);
    requirePem(value('ssl.keystore.type'), 'ssl.keystore.type', where);
    key = normalizePem(inlineKey);
    cert = normalizePem(inlineChain);
  } else if (keystoreLocation !== null) {
    requirePem(value('ssl.keystore.type'), 'ssl.keystore.type', where);
    const pem = readPem(keystoreLocation, 'ssl.keystore.location', where);
    key = pemBlocks(pem).filter((block) => / PRIVATE KEY-----/.test(block)).join('\n');
    cert = pemBlocks(pem).filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----')).join('\n');
    if (key === '' || cert === '') throw new ConfigError(`${where}: ssl.keystore.location ${keystoreLocation} must hold a private key and its certificate chain (PEM)`);
  } else {
    throw new ConfigError(`${where} is ${securityProtocol} but has no keystore: set ssl.keystore.location (PEM) or ssl.keystore.key and ssl.keystore.certificate.chain`);
  }

  const inlineTrust = value('ssl.truststore.certificates');
  const truststoreLocation = value('ssl.truststore.location');
  let ca: string | undefined;
  if (inlineTrust !== null) {
    requirePem(value('ssl.truststore.type'), 'ssl.truststore.type', where);
    ca = normalizePem(inlineTrust);
  } else if (truststoreLocation !== null) {
    requirePem(value('ssl.truststore.type'), 'ssl.truststore.type', where);
    ca = readPem(truststoreLocation, 'ssl.truststore.location', where);
  }

  // Kafka applies ssl.client.auth to SASL_SSL listeners only when set for that listener.
  const clientAuthText = securityProtocol === 'SSL'
    ? value('ssl.client.auth')
    : config.staticProperties[`listener.name.${listenerName.toLowerCase()}.ssl.client.auth`] ?? null;
  const clientAuth = (clientAuthText ?? 'none').toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    throw new ConfigError(`${where}: ssl.client.auth must be none, requested or required (got ${clientAuthText})`);
  }
  if (clientAuth !== 'none' && ca === undefined) {
    throw new ConfigError(`${where}: ssl.client.auth=${clientAuth} needs a truststore (ssl.truststore.location or ssl.truststore.certificates)`);
  }

  const enabled = (value('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = enabled.find((protocol) => !PROTOCOL_VERSIONS.includes(protocol as SecureVersion));
  if (unknown !== undefined) throw new ConfigError(`${where}: ssl.enabled.protocols holds ${unknown}; Freshet serves ${PROTOCOL_VERSIONS.join(', ')}`);
  if (enabled.length === 0) throw new ConfigError(`${where}: ssl.enabled.protocols is empty`);
  const versions = PROTOCOL_VERSIONS.filter((version) => enabled.includes(version));

  const tls: TlsOptions = {
    key,
    cert,
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(ca === undefined ? {} : { ca }),
    minVersion: versions[0]!,
    maxVersion: versions[versions.length - 1]!,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new ConfigError(`${where}: the keystore or truststore cannot be used: ${(error as Error).message}`);
  }
  return { tls, clientAuth: clientAuth as SslClientAuth };
}

/**
 * The principal of a TLS connection as Kafka's default builder names it: the client
 * certificate's subject in RFC 2253 form (`User:CN=alice,OU=Test,O=Freshet`) when the
 * client sent one the truststore verifies, else ANONYMOUS.
 */
export function certificatePrincipal(socket: TLSSocket): KafkaPrincipal {
  if (!socket.authorized) return ANONYMOUS;
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return ANONYMOUS;
  return userPrincipal(rfc2253(certificate.subject));
}

/** node prints a subject one RDN a line, issuer-first; RFC 2253 lists them most specific first, with commas. */
function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((rdn) => rdn !== '')
    .reverse()
    .map((rdn) => {
      const equals = rdn.indexOf('=');
      return `${rdn.slice(0, equals)}=${rdn.slice(equals + 1).replace(/([,+"\\<>;])/g, '\\$1')}`;
    })
    .join(',');
}

function requirePem(type: string | null, key: string, where: string): void {
  if ((type ?? 'JKS').toUpperCase() !== 'PEM') {
    throw new ConfigError(`${where}: ${key} is ${type ?? 'JKS'}; Freshet reads PEM stores only: set ${key}=PEM`);
  }
}

function readPem(path: string, key: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${where}: cannot read ${key} ${path}: ${(error as Error).message}`);
  }
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g) ?? [];
}

/**
 * PEM given inline in server.properties may have lost its line breaks (a value continued with
 * backslashes); rewrap each block's base64 so OpenSSL reads it.
 */
function normalizePem(text: string): string {
  return pemBlocks(text)
    .map((block) => {
      const [, begin, body, end] = /^(-----BEGIN [A-Z0-9 ]+-----)([\s\S]*?)(-----END [A-Z0-9 ]+-----)$/.exec(block)!;
      const base64 = body!.replace(/\s+/g, '');
      return [begin, ...(base64.match(/.{1,64}/g) ?? []), end].join('\n');
    })
    .join('\n');
}
