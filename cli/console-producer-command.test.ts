import { describe, expect, it } from 'vitest';
import { Compression } from '../core/protocol/record-batch-header.js';
import { lineReaderConfig, parseLine, producerOptions } from './console-producer-command.js';

const config = (properties: Record<string, string> = {}) => lineReaderConfig(new Map(Object.entries(properties)));
const header = (key: string, value: string | null) => ({ key, value: value === null ? null : Buffer.from(value) });

describe('parseLine', () => {
  it('takes the whole line as the value by default, separators included', () => {
    expect(parseLine('a\tb:c', config(), 1)).toEqual({ key: null, value: 'a\tb:c', headers: [] });
  });

  it('splits the key at the first key.separator with parse.key', () => {
    expect(parseLine('user-1:hello:world', config({ 'parse.key': 'true', 'key.separator': ':' }), 1)).toEqual({ key: 'user-1', value: 'hello:world', headers: [] });
    expect(parseLine('k\t', config({ 'parse.key': 'true' }), 1)).toEqual({ key: 'k', value: '', headers: [] });
  });

  it('refuses a line without the key separator, naming the line, unless ignore.error is set', () => {
    expect(() => parseLine('no-separator', config({ 'parse.key': 'true' }), 7)).toThrow("No key separator found on line number 7: 'no-separator'");
    expect(parseLine('no-separator', config({ 'parse.key': 'true', 'ignore.error': 'true' }), 7)).toEqual({ key: null, value: 'no-separator', headers: [] });
  });

  it('reads headers first, then key, then value, as LineMessageReader', () => {
    const parsed = parseLine('h1:v1,h2:v:2,h3\tkey\tvalue', config({ 'parse.headers': 'true', 'parse.key': 'true' }), 1);
    expect(parsed).toEqual({ key: 'key', value: 'value', headers: [header('h1', 'v1'), header('h2', 'v:2'), header('h3', null)] });
    const custom = parseLine('a=1;b=2|k|v', config({ 'parse.headers': 'true', 'headers.delimiter': '|', 'headers.separator': ';', 'headers.key.separator': '=', 'parse.key': 'true', 'key.separator': '|' }), 1);
    expect(custom).toEqual({ key: 'k', value: 'v', headers: [header('a', '1'), header('b', '2')] });
  });

  it('turns the null marker into a null key, value or header value', () => {
    const parsed = parseLine('h:NULL\tNULL\tNULL', config({ 'parse.headers': 'true', 'parse.key': 'true', 'null.marker': 'NULL' }), 1);
    expect(parsed).toEqual({ key: null, value: null, headers: [header('h', null)] });
  });

  it('refuses unknown properties and empty separators', () => {
    expect(() => config({ 'parse.kye': 'true' })).toThrow('Unknown --property parse.kye');
    expect(() => config({ 'key.separator': '' })).toThrow('key.separator must not be empty');
  });
});

describe('producerOptions', () => {
  it("maps Kafka's acks names and defaults to all", () => {
    const acks = (value?: string) => producerOptions({ bootstrapServer: 'b:1', topic: 't', producerProperty: value === undefined ? [] : [`acks=${value}`] }).acks;
    expect([acks(), acks('all'), acks('-1'), acks('1'), acks('0')]).toEqual([-1, -1, -1, 1, 0]);
    expect(() => acks('2')).toThrow('Invalid acks "2"');
  });

  it('reads compression.type, linger.ms and batch.size', () => {
    const options = producerOptions({ bootstrapServer: 'b:1', topic: 't', producerProperty: ['compression.type=zstd', 'linger.ms=0', 'batch.size=1000'] });
    expect(options).toEqual({ acks: -1, compression: Compression.zstd, lingerMs: 0, batchSizeBytes: 1000 });
    expect(() => producerOptions({ bootstrapServer: 'b:1', topic: 't', producerProperty: ['compression.type=brotli'] })).toThrow('Invalid compression.type');
  });
});
