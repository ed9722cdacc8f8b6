import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../client/fetcher.js';
import { consumeStart, formatRecord, formatterConfig, nextOffsets } from './console-consumer-command.js';

const config = (properties: Record<string, string> = {}) => formatterConfig(new Map(Object.entries(properties)));
const record: ConsumedRecord = {
  topic: 't',
  partition: 3,
  offset: 42n,
  timestamp: 1_700_000_000_123n,
  timestampType: 'CreateTime',
  key: Buffer.from('k'),
  value: Buffer.from([0x76, 0xff, 0x00]),
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'b', value: null },
  ],
};

describe('formatRecord', () => {
  it('prints the raw value bytes and a newline by default', () => {
    expect(formatRecord(record, config())).toEqual(Buffer.from([0x76, 0xff, 0x00, 0x0a]));
  });

  it("prints every field in Kafka's order: timestamp, partition, offset, headers, key, value", () => {
    const all = config({ 'print.timestamp': 'true', 'print.partition': 'true', 'print.offset': 'true', 'print.headers': 'true', 'print.key': 'true', 'print.value': 'false' });
    expect(formatRecord(record, all).toString()).toBe('CreateTime:1700000000123\tPartition:3\tOffset:42\ta:1,b:null\tk\n');
  });

  it('uses key.separator, line.separator, headers.separator and null.literal', () => {
    const custom = config({ 'print.key': 'true', 'print.headers': 'true', 'key.separator': ' | ', 'line.separator': '\r\n', 'headers.separator': ';', 'null.literal': '<null>' });
    const nullKey = { ...record, key: null, value: Buffer.from('v') };
    expect(formatRecord(nullKey, custom).toString()).toBe('a:1;b:<null> | <null> | v\r\n');
    expect(formatRecord({ ...record, headers: [] }, config({ 'print.headers': 'true' }))).toEqual(Buffer.concat([Buffer.from('NO_HEADERS\t'), record.value!, Buffer.from('\n')]));
  });

  it('prints LogAppendTime and NO_TIMESTAMP as Kafka does', () => {
    const timestamps = config({ 'print.timestamp': 'true', 'print.value': 'false' });
    expect(formatRecord({ ...record, timestampType: 'LogAppendTime' }, timestamps).toString()).toBe('LogAppendTime:1700000000123\n');
    expect(formatRecord({ ...record, timestamp: -1n }, timestamps).toString()).toBe('NO_TIMESTAMP\n');
  });

  it('refuses unknown properties', () => {
    expect(() => config({ 'print.keys': 'true' })).toThrow('Unknown --property print.keys');
  });
});

describe('consumeStart', () => {
  const base = { bootstrapServer: 'b:1', topic: 't' };

  it('starts at the end, or the beginning with --from-beginning, on every partition', () => {
    expect(consumeStart(base)).toEqual({ start: 'latest', partitions: undefined });
    expect(consumeStart({ ...base, fromBeginning: true })).toEqual({ start: 'earliest', partitions: undefined });
  });

  it('takes an --offset only with a --partition, and not with --from-beginning', () => {
    expect(consumeStart({ ...base, partition: '2', offset: '17' })).toEqual({ start: 17n, partitions: [2] });
    expect(consumeStart({ ...base, partition: '2', offset: 'earliest' })).toEqual({ start: 'earliest', partitions: [2] });
    expect(() => consumeStart({ ...base, offset: '17' })).toThrow('The partition is required when offset is specified.');
    expect(() => consumeStart({ ...base, partition: '0', offset: '1', fromBeginning: true })).toThrow("--from-beginning and --offset can't be used together");
    expect(() => consumeStart({ ...base, partition: '0', offset: 'soon' })).toThrow('--offset');
  });

  it('refuses a partition or an offset with a group, which assigns partitions and starts from its commits', () => {
    expect(consumeStart({ ...base, group: 'g', fromBeginning: true })).toEqual({ start: 'earliest', partitions: undefined });
    expect(() => consumeStart({ ...base, group: 'g', partition: '0' })).toThrow('--group and --partition/--offset cannot be used together');
  });
});

describe('nextOffsets', () => {
  it('commits, per partition, the offset after the last record printed', () => {
    const at = (partition: number, offset: bigint): ConsumedRecord => ({ ...record, partition, offset });
    expect(nextOffsets([at(0, 5n), at(1, 9n), at(0, 6n)])).toEqual([
      { topic: 't', partition: 0, offset: 7n },
      { topic: 't', partition: 1, offset: 10n },
    ]);
    expect(nextOffsets([])).toEqual([]);
  });
});
