import { describe, expect, it } from 'vitest';
import { clientQuotaEntityProblem, clientQuotaFilter, clientQuotaValueProblem, type ClientQuotaEntityPart } from './client-quota-entity.js';
import { ClientQuotaManager, INACTIVE_SENSOR_EXPIRY_MS } from './client-quota-manager.js';
import { resolveClientQuota, type ClientQuotaLookup } from './client-quota-resolution.js';

/** Stored entities as `user/client` with `*` for <default> and `-` for absent. */
function lookupOf(stored: Record<string, number>): ClientQuotaLookup {
  const name = (part: string | null | undefined): string => (part === undefined ? '-' : part === null ? '*' : part);
  return (user, clientId) => stored[`${name(user)}/${name(clientId)}`];
}

describe('client quota precedence (Kafka DefaultQuotaCallback)', () => {
  // Each row stores every level from its own down to the least specific one; the row's level wins.
  const levels = [
    { level: 1, entity: 'alice/app', tags: ['alice', 'app'] },
    { level: 2, entity: 'alice/*', tags: ['alice', 'app'] },
    { level: 3, entity: 'alice/-', tags: ['alice', ''] },
    { level: 4, entity: '*/app', tags: ['alice', 'app'] },
    { level: 5, entity: '*/*', tags: ['alice', 'app'] },
    { level: 6, entity: '*/-', tags: ['alice', ''] },
    { level: 7, entity: '-/app', tags: ['', 'app'] },
    { level: 8, entity: '-/*', tags: ['', 'app'] },
  ];
  it.each(levels)('level $level ($entity) wins over every less specific one', ({ level, tags }) => {
    const stored = Object.fromEntries(levels.filter((l) => l.level >= level).map((l) => [l.entity, l.level * 100]));
    // Entities of other users and clients never apply.
    stored['bob/app'] = 1;
    stored['alice/other'] = 2;
    stored['-/other'] = 3;
    expect(resolveClientQuota(lookupOf(stored), 'alice', 'app')).toEqual({ bound: level * 100, user: tags[0], clientId: tags[1] });
  });

  it('no stored entity that applies: no quota', () => {
    expect(resolveClientQuota(lookupOf({ 'bob/-': 5, '-/other': 6 }), 'alice', 'app')).toBeNull();
  });
});

describe('ClientQuotaManager', () => {
  const window = { samples: 11, windowMs: 1000 };

  it('clients under one client-id quota share its sensor; per-user quotas are shared by every client of the user', () => {
    const quotas: Record<string, Record<string, number>> = { producer_byte_rate: { '-/shared': 100, 'alice/-': 100 } };
    const manager = new ClientQuotaManager(window, (key) => (quotas[key] ? lookupOf(quotas[key]) : null));
    expect(manager.record('Produce', 'x', 'shared', 1000, 0)).toBe(0);
    // The second client id of the same group sees the first one's bytes.
    expect(manager.record('Produce', 'y', 'shared', 1000, 0)).toBe(10_000);
    expect(manager.record('Produce', 'alice', 'a1', 1000, 0)).toBe(0);
    expect(manager.record('Produce', 'alice', 'a2', 1000, 0)).toBe(10_000);
    // Nobody else is limited, and other quota types are off.
    expect(manager.record('Produce', 'bob', 'free', 1e9, 0)).toBe(0);
    expect(manager.record('Fetch', 'alice', 'a1', 1e9, 0)).toBe(0);
    expect(manager.enabled('Fetch')).toBe(false);
  });

  it('request time is throttled for at most one window', () => {
    const manager = new ClientQuotaManager(window, (key) => (key === 'request_percentage' ? lookupOf({ '-/*': 1 }) : null));
    expect(manager.record('Request', 'u', 'c', 500, 0)).toBe(1000);
  });

  it('a changed bound applies to the next request, keeping the samples', () => {
    const stored = { '-/app': 1e6 };
    const manager = new ClientQuotaManager(window, () => lookupOf(stored));
    expect(manager.record('Produce', 'u', 'app', 1000, 0)).toBe(0);
    stored['-/app'] = 50;
    expect(manager.record('Produce', 'u', 'app', 0, 0)).toBe(10_000);
  });

  it('sensors idle for an hour are dropped', () => {
    const manager = new ClientQuotaManager(window, () => lookupOf({ '-/*': 1e6 }));
    manager.record('Produce', 'u', 'a', 1, 0);
    manager.mutate('u', 'a', 1, true, 0);
    manager.record('Produce', 'u', 'b', 1, 10);
    manager.expire(INACTIVE_SENSOR_EXPIRY_MS);
    expect(manager.sensorCount).toBe(1);
  });
});

describe('AlterClientQuotas validation (Kafka ClientQuotaControlManager)', () => {
  const e = (...parts: [string, string | null][]): ClientQuotaEntityPart[] => parts.map(([entityType, entityName]) => ({ entityType, entityName }));
  it.each([
    { entity: e(), problem: 'Invalid empty client quota entity' },
    { entity: e(['user', 'a'], ['user', 'b']), problem: 'Invalid client quota entity, duplicate entity entry user' },
    { entity: e(['group', 'g']), problem: 'Unhandled client quota entity type: group' },
    { entity: e(['client-id', '']), problem: 'Empty client-id not supported' },
    { entity: e(['ip', '1.2.3.4'], ['user', 'a']), problem: 'Invalid quota entity combination, IP entity should not be combined with User or ClientId' },
    { entity: e(['user', null], ['client-id', 'c']), problem: undefined },
  ])('entity $entity → $problem', ({ entity, problem }) => {
    expect(clientQuotaEntityProblem(entity)).toBe(problem);
  });

  it.each([
    { ip: false, key: 'producer_byte_rate', value: 524288, problem: undefined },
    { ip: false, key: 'request_percentage', value: 12.5, problem: undefined },
    { ip: false, key: 'producer_byte_rate', value: 1.5, problem: 'producer_byte_rate cannot be a fractional value.' },
    { ip: false, key: 'consumer_byte_rate', value: 0, problem: 'Quota consumer_byte_rate must be greater than 0' },
    { ip: false, key: 'controller_mutation_rate', value: -1, problem: 'Quota controller_mutation_rate must be greater than 0' },
    { ip: false, key: 'bogus', value: 1, problem: 'Invalid configuration key bogus' },
    { ip: false, key: 'connection_creation_rate', value: 1, problem: 'Invalid configuration key connection_creation_rate' },
    { ip: true, key: 'producer_byte_rate', value: 1, problem: 'Invalid configuration key producer_byte_rate' },
    { ip: true, key: 'connection_creation_rate', value: 2 ** 31, problem: 'Proposed value for connection_creation_rate is too large for an INT.' },
    { ip: false, key: 'producer_byte_rate', value: 2 ** 63, problem: 'Proposed value for producer_byte_rate is too large for a LONG.' },
    { ip: false, key: 'constructor', value: 1, problem: 'Invalid configuration key constructor' },
  ])('$key=$value (ip: $ip) → $problem', ({ ip, key, value, problem }) => {
    expect(clientQuotaValueProblem(ip, key, value)).toBe(problem);
  });
});

describe('DescribeClientQuotas filters', () => {
  const stored: ClientQuotaEntityPart[][] = [
    [{ entityType: 'user', entityName: 'alice' }],
    [{ entityType: 'user', entityName: null }],
    [{ entityType: 'client-id', entityName: 'app' }],
    [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: 'app' }],
    [{ entityType: 'ip', entityName: '10.0.0.1' }],
  ];
  const show = (entity: ClientQuotaEntityPart[]): string => entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',');
  it.each([
    { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: false, expected: ['user=alice', 'user=alice,client-id=app'] },
    { components: [{ entityType: 'user', matchType: 0, match: 'alice' }], strict: true, expected: ['user=alice'] },
    { components: [{ entityType: 'user', matchType: 1, match: null }], strict: false, expected: ['user=<default>'] },
    { components: [{ entityType: 'user', matchType: 2, match: null }], strict: true, expected: ['user=alice', 'user=<default>'] },
    { components: [{ entityType: 'client-id', matchType: 2, match: null }], strict: false, expected: ['client-id=app', 'user=alice,client-id=app'] },
    { components: [], strict: false, expected: stored.map(show) },
    { components: [], strict: true, expected: [] },
  ])('$components strict=$strict', ({ components, strict, expected }) => {
    expect(stored.filter(clientQuotaFilter(components, strict)).map(show)).toEqual(expected);
  });

  it.each([
    { components: [{ entityType: '', matchType: 0, match: 'a' }], message: 'Invalid empty entity type.', unsupported: false },
    { components: [{ entityType: 'topic', matchType: 0, match: 'a' }], message: 'Unsupported entity type topic', unsupported: true },
    { components: [{ entityType: 'user', matchType: 0, match: null }], message: 'Request specified MATCH_TYPE_EXACT, but set match string to null.', unsupported: false },
    { components: [{ entityType: 'user', matchType: 1, match: 'a' }], message: 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.', unsupported: false },
    { components: [{ entityType: 'user', matchType: 7, match: null }], message: 'Unknown match type 7', unsupported: false },
    { components: [{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], message: 'Entity type user cannot appear more than once in the filter.', unsupported: false },
    { components: [{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], message: 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.', unsupported: false },
  ])('refuses $message', ({ components, message, unsupported }) => {
    expect(() => clientQuotaFilter(components, false)).toThrow(expect.objectContaining({ message, unsupportedType: unsupported }));
  });
});
