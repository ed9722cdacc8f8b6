import { describe, expect, it } from 'vitest';
import { parseProducerConfig } from '../client/config/producer-configs.js';
import { lineReaderConfig, parseLine, producerProperties, type ConsoleProducerOptions } from './console-producer-command.js';

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

describe('producerProperties', () => {
  const properties = (producerProperty: string[], extra: Partial<ConsoleProducerOptions> = {}) => producerProperties({ bootstrapServer: 'b:1', topic: 't', producerProperty, ...extra });

  it("passes Kafka's producer keys through, with the legacy flags when the key is not given", () => {
    expect(properties(['acks=1'], { requestRequiredAcks: '0', compressionCodec: 'gzip' })).toEqual({ acks: '1', 'compression.type': 'gzip', 'client.id': 'console-producer', 'bootstrap.servers': 'b:1' });
    expect(parseProducerConfig(properties([])).acks).toBe('all');
    expect(parseProducerConfig(properties(['compression.type=zstd', 'linger.ms=0', 'batch.size=1000']))).toMatchObject({ 'compression.type': 'zstd', 'linger.ms': 0, 'batch.size': 1000 });
  });

  it('refuses bad values and unknown keys, naming them', () => {
    expect(() => properties(['acks=2'])).toThrow('Invalid value 2 for configuration acks');
    expect(() => properties(['compression.type=brotli'])).toThrow('Invalid value brotli for configuration compression.type');
    expect(() => properties(['linger.msec=1'])).toThrow('Unknown configuration "linger.msec"');
  });
});
