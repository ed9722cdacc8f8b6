import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-definition.js';
import { ConnectionQuotas, parsePerIpOverrides } from './connection-quotas.js';

describe('ConnectionQuotas', () => {
  it('refuses beyond max.connections.per.ip unless overridden, and beyond max.connections, and frees places on release', () => {
    const quotas = new ConnectionQuotas({ maxConnections: 4, maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: parsePerIpOverrides('10.0.0.1:2, ::1:0') });
    expect(quotas.tryAccept('10.0.0.2')).toBeNull();
    expect(quotas.tryAccept('10.0.0.2')).toBe('max_connections_per_ip');
    expect(quotas.tryAccept('::1')).toBe('max_connections_per_ip');
    expect(quotas.tryAccept('10.0.0.1')).toBeNull();
    expect(quotas.tryAccept('10.0.0.1')).toBeNull();
    expect(quotas.tryAccept('10.0.0.3')).toBeNull();
    expect(quotas.tryAccept('10.0.0.4')).toBe('max_connections');
    quotas.release('10.0.0.2');
    expect(quotas.tryAccept('10.0.0.4')).toBeNull();
  });

  it('reads overrides as host:count with the count after the last colon, and refuses anything else', () => {
    expect(parsePerIpOverrides('127.0.0.1:200,fe80::1:5')).toEqual(new Map([['127.0.0.1', 200], ['fe80::1', 5]]));
    expect(parsePerIpOverrides('')).toEqual(new Map());
    expect(() => parsePerIpOverrides('127.0.0.1')).toThrow(ConfigError);
    expect(() => parsePerIpOverrides('host:-1')).toThrow(ConfigError);
  });
});
