import { describe, expect, it } from 'vitest';
import { MetadataRecordType } from './generated/metadata/index.js';
import { defaultTopicRecord } from './generated/metadata/topic-record.js';
import { decodeMetadataRecord, encodeMetadataRecord } from './metadata-record.js';
import { ProtocolError } from './protocol-error.js';

describe('KRaft metadata record values', () => {
  it('start with frame version 1, the record type and version, then the body', () => {
    const value = { ...defaultTopicRecord(), name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' };
    const bytes = encodeMetadataRecord({ apiKey: MetadataRecordType.TopicRecord, version: 0, value });
    // 01 = frame version, 02 = TopicRecord, 00 = version, compact "orders", 16-byte uuid, empty tags.
    expect(bytes.toString('hex')).toBe('010200' + '076f7264657273' + '00000000000000000000000000000001' + '00');
    expect(decodeMetadataRecord(bytes)).toEqual({ apiKey: 2, version: 0, value });
  });

  it('refuse frame version 0, unknown types and trailing bytes', () => {
    expect(() => decodeMetadataRecord(Buffer.from('000200', 'hex'))).toThrow(ProtocolError);
    expect(() => decodeMetadataRecord(Buffer.from('017f00', 'hex'))).toThrow(ProtocolError);
    const bytes = encodeMetadataRecord({ apiKey: MetadataRecordType.TopicRecord, version: 0, value: defaultTopicRecord() });
    expect(() => decodeMetadataRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(ProtocolError);
  });
});
