import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throw-away CA, a broker certificate it signed and client certificates, made with openssl. */
export interface LocalCertificates {
  readonly dir: string;
  /** The CA certificate: the broker's and the clients' truststore. */
  readonly caPath: string;
  /** The broker's key and certificate chain in one PEM file (ssl.keystore.location with ssl.keystore.type=PEM). */
  readonly brokerKeystorePath: string;
  readonly brokerCertPath: string;
  readonly brokerKeyPath: string;
  /** A client certificate and key per requested common name. */
  readonly clients: Readonly<Record<string, { readonly certPath: string; readonly keyPath: string }>>;
  read(path: string): string;
}

/**
 * Makes fresh key material in `dir` (for a dev cluster or a test; nothing is committed): an EC CA
 * valid `days`, a broker certificate for 127.0.0.1 and localhost (librdkafka checks the host
 * name), and one client certificate per name, subject `CN=<name>,OU=Test,O=Freshet` as Kafka prints it.
 */
export function makeLocalCertificates(dir: string, clientNames: readonly string[] = [], days = 2): LocalCertificates {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const key = (name: string): void => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('ca');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-days', String(days), '-subj', '/O=Freshet/CN=Freshet Local CA', '-out', 'ca.pem');
  const sign = (name: string, subject: string, extensions: string): void => {
    key(name);
    openssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  sign('broker', '/O=Freshet/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  const clients: Record<string, { certPath: string; keyPath: string }> = {};
  for (const name of clientNames) {
    sign(`client-${name}`, `/O=Freshet/OU=Test/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
    clients[name] = { certPath: join(dir, `client-${name}.pem`), keyPath: join(dir, `client-${name}.key`) };
  }
  const brokerKeystorePath = join(dir, 'broker-keystore.pem');
  writeFileSync(brokerKeystorePath, readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'));
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    brokerKeystorePath,
    brokerCertPath: join(dir, 'broker.pem'),
    brokerKeyPath: join(dir, 'broker.key'),
    clients,
    read: (path) => readFileSync(path, 'utf8'),
  };
}
