import { describe, expect, it } from 'vitest';
import { parseJaasConfig } from './jaas-config.js';

describe('parseJaasConfig', () => {
  it('reads the PlainLoginModule line a Kafka operator writes', () => {
    const module = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";',
    );
    expect(module.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(module.controlFlag).toBe('required');
    expect(Object.fromEntries(module.options)).toEqual({ username: 'admin', password: 'admin-secret', user_admin: 'admin-secret', user_alice: 'alice-secret' });
  });

  it('takes unquoted values, escapes inside quotes, and spread-out whitespace', () => {
    const module = parseJaasConfig(' Module  Optional\n unsecuredLoginStringClaim_sub=alice  quoted="a \\"b\\" ; c" ; ');
    expect(module.controlFlag).toBe('optional');
    expect(Object.fromEntries(module.options)).toEqual({ unsecuredLoginStringClaim_sub: 'alice', quoted: 'a "b" ; c' });
  });

  it.each([
    ['', /ends where a login module class was expected/],
    ['Module required user_a="x"', /ends where ';' after the options was expected/],
    ['Module always;', /must be followed by a control flag/],
    ['Module required user_a;', /expected '=' after option user_a/],
    ['Module required user_a="x;', /unterminated quoted value/],
    ['A required; B required;', /exactly one login module/],
  ])('refuses %j without quoting a value', (text, message) => {
    expect(() => parseJaasConfig(text)).toThrow(message);
  });
});
