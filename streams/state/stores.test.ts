import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import type { StateStoreContext } from './state-store.js';
import { Stores } from './stores.js';

const context: StateStoreContext = { applicationId: 'app', taskId: '0_0', defaultKeySerde: Serdes.String(), defaultValueSerde: Serdes.String() };

describe('in-memory key-value store', () => {
  it('keeps keys in byte order, ranges inclusive at both ends, and deletes on a null put', () => {
    const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('kv'), Serdes.String(), Serdes.Long()).build();
    store.init(context);
    for (const [k, v] of [
      ['b', 2],
      ['a', 1],
      ['d', 4],
      ['c', 3],
    ] as const)
      store.put(k, v);
    expect(store.range('b', 'c')).toEqual([
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    store.put('b', null);
    expect(store.putIfAbsent('a', 10)).toBe(1);
    expect(store.putIfAbsent('e', 5)).toBeUndefined();
    expect(store.delete('d')).toBe(4);
    expect(store.all().map((e) => `${e.key}=${e.value}`)).toEqual(['a=1', 'c=3', 'e=5']);
    expect(store.approximateNumEntries()).toBe(3);
  });

  it('uses default.key.serde and default.value.serde when built without serdes', () => {
    const store = Stores.keyValueStoreBuilder<string, string>(Stores.inMemoryKeyValueStore('kv')).build();
    store.init(context);
    store.put('k', 'v');
    expect(store.get('k')).toBe('v');
    const noDefaults = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('kv')).build();
    expect(() => noDefaults.init({ ...context, defaultKeySerde: undefined })).toThrow(/no serde given and no default configured/);
  });
});

describe('in-memory window store', () => {
  it('expires windows that start at or before the latest window start minus the retention, as Kafka does', () => {
    const store = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 100, 10), Serdes.String(), Serdes.Long()).build();
    store.init(context);
    store.put('k', 1, 0);
    store.put('k', 2, 50);
    store.put('k', 3, 99);
    expect(store.fetch('k', 0)).toBe(1);
    store.put('k', 4, 100); // 0 <= 100 - 100: the window at 0 expires
    expect(store.fetch('k', 0)).toBeUndefined();
    expect(store.fetchRange('k', 0, 100)).toEqual([
      { key: 50, value: 2 },
      { key: 99, value: 3 },
      { key: 100, value: 4 },
    ]);
    store.put('k', 5, 0); // too old to store
    expect(store.all().map((e) => [e.key.key, e.key.window.startMs, e.key.window.endMs, e.value])).toEqual([
      ['k', 50, 60, 2],
      ['k', 99, 109, 3],
      ['k', 100, 110, 4],
    ]);
  });

  it('refuses a retention shorter than the window', () => {
    expect(() => Stores.inMemoryWindowStore('w', 5, 10).get()).toThrow(RangeError);
  });
});
