import { describe, expect, it } from 'vitest';
import { parseKafkaUuid, randomKafkaUuid } from './kafka-uuid.js';

describe('randomKafkaUuid', () => {
  it('gives 22 base64url characters that decode to a version-4 UUID', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomKafkaUuid();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const bytes = parseKafkaUuid(id)!;
      expect(bytes.length).toBe(16);
      expect(bytes[6]! >> 4).toBe(4);
      expect(bytes[8]! >> 6).toBe(2);
    }
  });

  it('draws again when the id would start with "-"', () => {
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x11)];
    const id = randomKafkaUuid(() => draws.shift()!);
    expect(draws).toHaveLength(0);
    expect(id.startsWith('-')).toBe(false);
    expect(parseKafkaUuid(id)?.[0]).toBe(0x11);
  });
});

describe('parseKafkaUuid', () => {
  it('accepts the text form Kafka prints and rejects anything else', () => {
    expect(parseKafkaUuid('MkU3OEVBNTcwNTJENDM2Qg')?.toString('hex')).toBe('32453738454135373035324434333642');
    expect(parseKafkaUuid('MkU3OEVBNTcwNTJENDM2Q')).toBeNull();
    expect(parseKafkaUuid('MkU3OEVBNTcwNTJENDM2Qg==')).toBeNull();
    expect(parseKafkaUuid('MkU3OEVBNTcwNTJENDM2Q+')).toBeNull();
    expect(parseKafkaUuid('MkU3OEVBNTcwNTJENDM2Qh')).toBeNull();
  });
});
