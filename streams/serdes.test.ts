import { describe, expect, it } from 'vitest';
import { WindowedSerdes } from './kstream/windowed-serdes.js';
import { resolveSerde, Serdes } from './serdes.js';
import { resolveStreamsConfig } from './streams-config.js';

describe('serdes', () => {
  it("write Kafka's byte layouts: Long 8 and Integer 4 bytes big-endian, Double IEEE-754, String UTF-8", () => {
    expect(Serdes.Long().serialize('t', -2)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]));
    expect(Serdes.Integer().serialize('t', 258)).toEqual(Buffer.from([0, 0, 1, 2]));
    expect(Serdes.Double().serialize('t', 1)).toEqual(Buffer.from([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]));
    expect(Serdes.String().serialize('t', 'é')).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(Serdes.JSON().deserialize('t', Buffer.from('{"a":[1]}'))).toEqual({ a: [1] });
  });

  it('map null to null both ways and refuse bytes of the wrong width or unsafe longs', () => {
    expect(Serdes.Long().serialize('t', null)).toBeNull();
    expect(Serdes.String().deserialize('t', null)).toBeNull();
    expect(() => Serdes.Long().deserialize('t', Buffer.alloc(4))).toThrow(RangeError);
    expect(() => Serdes.Long().serialize('t', 2 ** 60)).toThrow(RangeError);
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(2n ** 62n);
    expect(() => Serdes.Long().deserialize('t', big)).toThrow(RangeError);
  });

  it("resolve default.key.serde from Kafka's class names, and refuse unknown ones", () => {
    expect(resolveSerde('org.apache.kafka.common.serialization.Serdes$LongSerde', 'k')!.serialize('t', 1)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(() => resolveSerde('com.example.Nope', 'default.key.serde')).toThrow('default.key.serde: unknown serde com.example.Nope');
    expect(() => resolveStreamsConfig({})).toThrow('application.id is required');
  });

  it("write windowed keys as Kafka's TimeWindowedSerde: key bytes then the 8-byte window start", () => {
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.String(), 100);
    const bytes = serde.serialize('t', { key: 'k', window: { startMs: 300, endMs: 400 } })!;
    expect(bytes).toEqual(Buffer.from([0x6b, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]));
    expect(serde.deserialize('t', bytes)).toEqual({ key: 'k', window: { startMs: 300, endMs: 400 } });
  });
});
