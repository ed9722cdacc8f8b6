import { describe, expect, it } from 'vitest';
import { ANONYMOUS, parsePrincipal, principalToString, userPrincipal } from './kafka-principal.js';

describe('KafkaPrincipal', () => {
  it('prints and parses Kafka\'s <type>:<name> form', () => {
    expect(principalToString(ANONYMOUS)).toBe('User:ANONYMOUS');
    expect(parsePrincipal('User:alice')).toEqual(userPrincipal('alice'));
    expect(parsePrincipal('User:CN=broker,O=Freshet')).toEqual(userPrincipal('CN=broker,O=Freshet'));
  });

  it('refuses text that names no type or no name', () => {
    for (const text of ['alice', ':alice', 'User:', '']) expect(() => parsePrincipal(text)).toThrow(/not a principal/);
  });
});
