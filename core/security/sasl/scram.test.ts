import { describe, expect, it } from 'vitest';
import { saltedPassword, scramCredential, ScramSaslServer, type ScramCredential } from './scram.js';

// RFC 7677 §3's example exchange: user "user", password "pencil".
const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const credential = scramCredential('SCRAM-SHA-256', saltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096), salt, 4096);
const clientFirst = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';

function server(credentials: Record<string, ScramCredential> = { user: credential }): ScramSaslServer {
  return new ScramSaslServer('SCRAM-SHA-256', (name) => credentials[name], () => serverNonce);
}

describe('ScramSaslServer', () => {
  it('replays RFC 7677\'s SCRAM-SHA-256 exchange byte for byte', () => {
    const scram = server();
    const first = scram.evaluate(Buffer.from(clientFirst));
    expect(first).toEqual({ complete: false, challenge: Buffer.from(`r=rOprNGfwEbeRWgbNEkqO${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`) });
    const final = scram.evaluate(Buffer.from(clientFinal));
    expect(final).toEqual({ complete: true, challenge: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='), authorizationId: 'user' });
  });

  it('takes a final nonce that ends with the server\'s, as librdkafka sends it', () => {
    // librdkafka writes its client nonce, then the whole server nonce (which starts with it).
    const scram = server();
    scram.evaluate(Buffer.from(clientFirst));
    const doubled = clientFinal.replace('r=rOprNGfwEbeRWgbNEkqO', 'r=rOprNGfwEbeRWgbNEkqOrOprNGfwEbeRWgbNEkqO');
    // The proof covers the message as sent, so this one (computed for the RFC's) no longer matches.
    expect(() => scram.evaluate(Buffer.from(doubled))).toThrow('Authentication failed: Invalid user credentials');
  });

  it('refuses a wrong proof, an unknown user, a changed nonce, channel binding and a second final', () => {
    const wrongProof = server();
    wrongProof.evaluate(Buffer.from(clientFirst));
    expect(() => wrongProof.evaluate(Buffer.from(clientFinal.replace(/p=.*/, 'p=' + Buffer.alloc(32, 7).toString('base64'))))).toThrow('Authentication failed: Invalid user credentials');
    expect(() => server({}).evaluate(Buffer.from(clientFirst))).toThrow('Authentication failed: Invalid user credentials');
    const otherNonce = server();
    otherNonce.evaluate(Buffer.from(clientFirst));
    expect(() => otherNonce.evaluate(Buffer.from(clientFinal.replace('k0,p', 'k1,p')))).toThrow(/nonce does not match/);
    expect(() => server().evaluate(Buffer.from('p=tls-unique,,n=user,r=abc'))).toThrow(/channel binding is not supported/);
    const done = server();
    done.evaluate(Buffer.from(clientFirst));
    done.evaluate(Buffer.from(clientFinal));
    expect(() => done.evaluate(Buffer.from(clientFinal))).toThrow(/already complete/);
  });

  it.each(['', 'garbage', 'n,,r=abc', 'n,,n=user', 'x,,n=user,r=abc', 'n,a=other,n=user,r=abc'])('refuses the client first message %j', (message) => {
    expect(() => server().evaluate(Buffer.from(message))).toThrow(/Invalid SCRAM-SHA-256 client first message|authorization id/);
  });

  it.each(['', 'c=biws,r=x', 'c=Zm9v,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA'])('refuses the client final message %j', (message) => {
    const scram = server();
    scram.evaluate(Buffer.from(clientFirst));
    expect(() => scram.evaluate(Buffer.from(message))).toThrow();
  });
});
