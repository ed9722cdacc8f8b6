import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultControllerConfig, type ControllerState } from '../../core/raft/controller/controller-state.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { alterClientQuotas } from './client-quota-control.js';

type Entity = { entityType: string; entityName: string | null }[];
type Op = { key: string; value: number; remove: boolean };

function state(): ControllerState {
  return { config: { ...defaultControllerConfig, clusterId: 'c' }, image: new MetadataImage(), lastHeartbeatMs: new Map() };
}

/** Alters, replays the records as every node will, and returns the entries' error codes and the records written. */
function alter(s: ControllerState, entries: { entity: Entity; ops: Op[] }[], validateOnly = false) {
  const result = alterClientQuotas(s, { entries, validateOnly });
  for (const record of result.records) s.image.replay(record);
  return { errors: result.response.entries.map((e) => [e.errorCode, e.errorMessage]), written: result.records.length };
}

const client = (name: string | null): Entity => [{ entityType: 'client-id', entityName: name }];
const set = (key: string, value: number): Op => ({ key, value, remove: false });
const remove = (key: string): Op => ({ key, value: 0, remove: true });

describe('AlterClientQuotas on the controller', () => {
  it('writes ClientQuotaRecords that the image applies, and removes them', () => {
    const s = state();
    expect(alter(s, [{ entity: client('my-producer'), ops: [set('producer_byte_rate', 524288), set('request_percentage', 50)] }])).toEqual({ errors: [[ErrorCode.NONE, null]], written: 2 });
    expect(Object.fromEntries([...s.image.clientQuotas.values()][0]!.quotas)).toEqual({ producer_byte_rate: 524288, request_percentage: 50 });
    // The same value again writes nothing; removing a key that is not set writes nothing.
    expect(alter(s, [{ entity: client('my-producer'), ops: [set('producer_byte_rate', 524288), remove('consumer_byte_rate')] }]).written).toBe(0);
    expect(alter(s, [{ entity: client('my-producer'), ops: [remove('producer_byte_rate'), remove('request_percentage')] }]).written).toBe(2);
    expect(s.image.clientQuotas.size).toBe(0);
  });

  it('validateOnly answers without writing', () => {
    const s = state();
    expect(alter(s, [{ entity: client(null), ops: [set('consumer_byte_rate', 1024)] }], true)).toEqual({ errors: [[ErrorCode.NONE, null]], written: 0 });
  });

  it('refuses an entry whole, with Kafka messages, and still applies the valid entries beside it', () => {
    const s = state();
    const result = alter(s, [
      { entity: client('a'), ops: [set('producer_byte_rate', 100), set('bogus', 1)] },
      { entity: client('b'), ops: [set('producer_byte_rate', 100), set('producer_byte_rate', 200)] },
      { entity: [{ entityType: 'topic', entityName: 't' }], ops: [set('producer_byte_rate', 1)] },
      { entity: client('c'), ops: [set('producer_byte_rate', 0.5)] },
      { entity: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: null }], ops: [set('request_percentage', 0)] },
      { entity: client('d'), ops: [set('controller_mutation_rate', 2.5)] },
      { entity: client('d'), ops: [set('controller_mutation_rate', 3)] },
    ]);
    expect(result.errors).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key bogus'],
      [ErrorCode.INVALID_REQUEST, 'Duplicate quota key producer_byte_rate not updating quota for this entity client-id=b'],
      [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: topic'],
      [ErrorCode.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.'],
      [ErrorCode.INVALID_REQUEST, 'Quota request_percentage must be greater than 0'],
      [ErrorCode.NONE, null],
      [ErrorCode.INVALID_REQUEST, 'Ignoring duplicate entity client-id=d'],
    ]);
    expect(result.written).toBe(1);
    expect([...s.image.clientQuotas.values()].map((q) => [q.entity[0]!.entityName, Object.fromEntries(q.quotas)])).toEqual([['d', { controller_mutation_rate: 2.5 }]]);
  });
});
