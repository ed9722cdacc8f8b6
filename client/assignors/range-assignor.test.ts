import { describe, expect, it } from 'vitest';
import { counts, member, tp } from './assignor-testing.js';
import { rangeAssignor } from './range-assignor.js';

// The cases of Kafka's RangeAssignorTest (without racks), written again here.
describe('rangeAssignor', () => {
  const assign = rangeAssignor.assign.bind(rangeAssignor);

  it('gives a member subscribed to nothing, or to a topic that does not exist, no partitions', () => {
    expect(assign(counts({}), [member('c1', [])])).toEqual(new Map([['c1', []]]));
    expect(assign(counts({ t1: 1 }), [member('c1', ['missing'])])).toEqual(new Map([['c1', []]]));
  });

  it('gives one member every partition of the topics it subscribes to, and only those', () => {
    expect(assign(counts({ t1: 3, other: 1 }), [member('c1', ['t1'])]).get('c1')).toEqual([tp('t1', 0), tp('t1', 1), tp('t1', 2)]);
    expect(assign(counts({ t1: 1, t2: 2 }), [member('c1', ['t1', 't2'])]).get('c1')).toEqual([tp('t1', 0), tp('t2', 0), tp('t2', 1)]);
  });

  it('splits partitions into contiguous ranges, the first members taking the remainder', () => {
    expect(assign(counts({ t1: 1 }), [member('c1', ['t1']), member('c2', ['t1'])])).toEqual(
      new Map([
        ['c1', [tp('t1', 0)]],
        ['c2', []],
      ]),
    );
    const mixed = assign(counts({ t1: 3, t2: 2 }), [member('consumer1', ['t1']), member('consumer2', ['t1', 't2']), member('consumer3', ['t1'])]);
    expect(mixed.get('consumer1')).toEqual([tp('t1', 0)]);
    expect(mixed.get('consumer2')).toEqual([tp('t1', 1), tp('t2', 0), tp('t2', 1)]);
    expect(mixed.get('consumer3')).toEqual([tp('t1', 2)]);
    const six = assign(counts({ t1: 3, t2: 3 }), [member('consumer1', ['t1', 't2']), member('consumer2', ['t1', 't2'])]);
    expect(six.get('consumer1')).toEqual([tp('t1', 0), tp('t1', 1), tp('t2', 0), tp('t2', 1)]);
    expect(six.get('consumer2')).toEqual([tp('t1', 2), tp('t2', 2)]);
  });

  it('orders static members by group.instance.id, before dynamic members, whatever their member ids', () => {
    const both = ['t1', 't2'];
    const twoStatic = assign(counts({ t1: 3, t2: 3 }), [member('consumer-b', both, { groupInstanceId: 'instance1' }), member('consumer-a', both, { groupInstanceId: 'instance2' })]);
    expect(twoStatic.get('consumer-b')).toEqual([tp('t1', 0), tp('t1', 1), tp('t2', 0), tp('t2', 1)]);
    expect(twoStatic.get('consumer-a')).toEqual([tp('t1', 2), tp('t2', 2)]);
    const mixed = assign(counts({ t1: 3, t2: 3 }), [member('consumer-b', both, { groupInstanceId: 'instance1' }), member('consumer-a', both)]);
    expect(mixed.get('consumer-b')).toEqual([tp('t1', 0), tp('t1', 1), tp('t2', 0), tp('t2', 1)]);
  });

  it('keeps a static member on its partitions when it comes back with a new member id', () => {
    const both = ['t1', 't2'];
    const statics = (ids: string[]) => ids.map((id, i) => member(id, both, { groupInstanceId: `instance${i + 1}` }));
    const before = assign(counts({ t1: 5, t2: 5 }), [...statics(['consumer1', 'consumer2', 'consumer3']), member('consumer4', both)]);
    const after = assign(counts({ t1: 5, t2: 5 }), [...statics(['consumer5', 'consumer6', 'consumer7']), member('consumer8', both)]);
    expect(after.get('consumer5')).toEqual(before.get('consumer1'));
    expect(after.get('consumer6')).toEqual(before.get('consumer2'));
    expect(after.get('consumer7')).toEqual(before.get('consumer3'));
    expect(after.get('consumer8')).toEqual(before.get('consumer4'));
  });

  it('assigns every partition exactly once, whatever the member and partition counts', () => {
    for (let members = 1; members <= 6; members++) {
      for (let count = 0; count <= 13; count++) {
        const assignment = assign(counts({ t: count }), Array.from({ length: members }, (_, i) => member(`m${i}`, ['t'])));
        const all = [...assignment.values()].flat().map((p) => p.partition).sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: count }, (_, i) => i));
        const sizes = [...assignment.values()].map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});
