import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../consumer-protocol.js';
import { counts, member, tp } from './assignor-testing.js';
import { roundRobinAssignor } from './round-robin-assignor.js';

// The cases of Kafka's RoundRobinAssignorTest, written again here.
describe('roundRobinAssignor', () => {
  const assign = roundRobinAssignor.assign.bind(roundRobinAssignor);

  it('gives a member subscribed to nothing, or to a topic that does not exist, no partitions', () => {
    expect(assign(counts({}), [member('c1', [])])).toEqual(new Map([['c1', []]]));
    expect(assign(counts({ t1: 1 }), [member('c1', ['missing'])])).toEqual(new Map([['c1', []]]));
  });

  it('gives one member every partition of the topics it subscribes to, and only those', () => {
    expect(assign(counts({ t1: 3, other: 1 }), [member('c1', ['t1'])]).get('c1')).toEqual([tp('t1', 0), tp('t1', 1), tp('t1', 2)]);
  });

  it('deals partitions in turn, skipping members not subscribed to the topic', () => {
    const mixed = assign(counts({ topic1: 3, topic2: 2 }), [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])]);
    expect(mixed.get('consumer1')).toEqual([tp('topic1', 0)]);
    expect(mixed.get('consumer2')).toEqual([tp('topic1', 1), tp('topic2', 0), tp('topic2', 1)]);
    expect(mixed.get('consumer3')).toEqual([tp('topic1', 2)]);
    const six = assign(counts({ topic1: 3, topic2: 3 }), [member('consumer1', ['topic1', 'topic2']), member('consumer2', ['topic1', 'topic2'])]);
    expect(six.get('consumer1')).toEqual([tp('topic1', 0), tp('topic1', 2), tp('topic2', 1)]);
    expect(six.get('consumer2')).toEqual([tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)]);
  });

  it('orders static members by group.instance.id, before dynamic ones', () => {
    const both = ['topic1', 'topic2'];
    const twoStatic = assign(counts({ topic1: 3, topic2: 3 }), [member('consumer-b', both, { groupInstanceId: 'instance1' }), member('consumer-a', both, { groupInstanceId: 'instance2' })]);
    expect(twoStatic.get('consumer-b')).toEqual([tp('topic1', 0), tp('topic1', 2), tp('topic2', 1)]);
    expect(twoStatic.get('consumer-a')).toEqual([tp('topic1', 1), tp('topic2', 0), tp('topic2', 2)]);
    const mixed = assign(counts({ topic1: 3, topic2: 3 }), [member('consumer-b', both, { groupInstanceId: 'instance1' }), member('consumer-a', both)]);
    expect(mixed.get('consumer-b')).toEqual([tp('topic1', 0), tp('topic1', 2), tp('topic2', 1)]);
  });

  it('gives static members the same partitions across generations while a dynamic member is replaced', () => {
    const both = ['topic1', 'topic2'];
    const statics = [1, 2, 3].map((i) => member(`consumer${i}`, both, { groupInstanceId: `instance${i}` }));
    const expected: [string, TopicPartition[]][] = [
      ['consumer1', [tp('topic1', 0), tp('topic2', 1)]],
      ['consumer2', [tp('topic1', 1), tp('topic2', 2)]],
      ['consumer3', [tp('topic1', 2)]],
    ];
    const first = assign(counts({ topic1: 3, topic2: 3 }), [...statics, member('consumer4', both)]);
    expect(first).toEqual(new Map([...expected, ['consumer4', [tp('topic2', 0)]]]));
    const second = assign(counts({ topic1: 3, topic2: 3 }), [...statics, member('consumer5', both)]);
    expect(second).toEqual(new Map([...expected, ['consumer5', [tp('topic2', 0)]]]));
  });
});
