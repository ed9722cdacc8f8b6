import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer, type SaslStep } from './sasl-server.js';

/** Kafka's ScramMechanism: the names, their ids in the protocol and metadata records, the hash, Kafka's minimum iterations. */
export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { id: 1, hash: 'sha256', keyBytes: 32, minIterations: 4096 },
  'SCRAM-SHA-512': { id: 2, hash: 'sha512', keyBytes: 64, minIterations: 4096 },
} as const;

export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;
/** Kafka's upper bound on iterations (AlterUserScramCredentials refuses more). */
export const MAX_SCRAM_ITERATIONS = 16384;

export function scramMechanismById(id: number): ScramMechanismName | undefined {
  return (Object.keys(SCRAM_MECHANISMS) as ScramMechanismName[]).find((name) => SCRAM_MECHANISMS[name].id === id);
}

/** What the server stores of a password (RFC 5802 §3): never the password, nor the salted password. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** SaltedPassword = Hi(password, salt, i), the PBKDF2 of RFC 5802 (what AlterUserScramCredentials carries). */
export function saltedPassword(mechanism: ScramMechanismName, password: string, salt: Buffer, iterations: number): Buffer {
  const { hash, keyBytes } = SCRAM_MECHANISMS[mechanism];
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, keyBytes, hash);
}

/** StoredKey and ServerKey from a salted password. */
export function scramCredential(mechanism: ScramMechanismName, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const { hash } = SCRAM_MECHANISMS[mechanism];
  const clientKey = hmac(hash, salted, 'Client Key');
  return { salt, iterations, storedKey: createHash(hash).update(clientKey).digest(), serverKey: hmac(hash, salted, 'Server Key') };
}

export type ScramCredentialLookup = (username: string, mechanism: ScramMechanismName) => ScramCredential | undefined;

/**
 * The server side of SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka runs it: client-first
 * (`n,[a=authzid],n=user,r=cnonce`), server-first (`r=cnonce+snonce,s=salt,i=iterations`),
 * client-final (`c=biws,r=nonce,p=proof`), server-final (`v=signature`). No channel binding.
 * The server nonce comes from `randomNonce`, so an exchange replays.
 */
export class ScramSaslServer implements SaslServer {
  private state: 'first' | 'final' | 'done' = 'first';
  private username = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | undefined;

  constructor(
    readonly mechanism: ScramMechanismName,
    private readonly credentials: ScramCredentialLookup,
    private readonly randomNonce: () => string,
  ) {}

  evaluate(token: Buffer): SaslStep {
    switch (this.state) {
      case 'first':
        return this.clientFirst(token.toString('utf8'));
      case 'final':
        return this.clientFinal(token.toString('utf8'));
      case 'done':
        throw new SaslAuthenticationError(`Invalid ${this.mechanism} exchange: the authentication is already complete`);
    }
  }

  private clientFirst(message: string): SaslStep {
    this.state = 'done';
    const match = /^([ny]|p=[^,]*),(a=[^,]*)?,(n=[^,]*,r=[^,]+(?:,.*)?)$/.exec(message);
    if (match === null) throw new SaslAuthenticationError(`Invalid ${this.mechanism} client first message`);
    if (match[1]!.startsWith('p=')) throw new SaslAuthenticationError(`${this.mechanism}: channel binding is not supported`);
    this.clientFirstBare = match[3]!;
    const fields = attributes(this.clientFirstBare);
    this.username = unescapeUsername(fields.get('n') ?? '');
    const authorizationId = match[2] === undefined ? '' : unescapeUsername(match[2].slice(2));
    if (authorizationId !== '' && authorizationId !== this.username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    // Kafka's delegation tokens (extension tokenauth=true) are not served: such a login fails as an unknown user.
    if (fields.get('tokenauth') === 'true') throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
    this.credential = this.credentials(this.username, this.mechanism);
    if (this.credential === undefined) throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
    this.nonce = fields.get('r')! + this.randomNonce();
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'final';
    return { complete: false, challenge: Buffer.from(this.serverFirst, 'utf8') };
  }

  private clientFinal(message: string): SaslStep {
    this.state = 'done';
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) throw new SaslAuthenticationError(`Invalid ${this.mechanism} client final message`);
    const withoutProof = message.slice(0, proofAt);
    const fields = attributes(withoutProof);
    // c= is base64 of the GS2 header: what the client-first message started with (no channel binding).
    const binding = Buffer.from(fields.get('c') ?? '', 'base64').toString('utf8');
    if (!/^[ny],(a=[^,]*)?,$/.test(binding)) throw new SaslAuthenticationError(`Invalid ${this.mechanism} client final message: channel binding`);
    // As Kafka, the nonce need only end with ours: librdkafka sends its client nonce before the whole server nonce.
    if (!(fields.get('r') ?? '').endsWith(this.nonce)) throw new SaslAuthenticationError(`Invalid ${this.mechanism} client final message: the nonce does not match`);
    const { hash } = SCRAM_MECHANISMS[this.mechanism];
    const credential = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
    const clientSignature = hmac(hash, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), credential.storedKey)) {
      throw new SaslAuthenticationError('Authentication failed: Invalid user credentials');
    }
    const serverSignature = hmac(hash, credential.serverKey, authMessage);
    return { complete: true, challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), authorizationId: this.username };
  }
}

function hmac(hash: string, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest();
}

/** `k=v,k=v` → map (values may hold '='). */
function attributes(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) map.set(part.slice(0, equals), part.slice(equals + 1));
  }
  return map;
}

/** RFC 5802 saslname: ',' and '=' travel as =2C and =3D. */
function unescapeUsername(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}
