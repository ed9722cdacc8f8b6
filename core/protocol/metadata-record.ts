import { metadataRecordCodecs } from './generated/metadata/index.js';
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** The frame version Kafka writes before every KRaft metadata record (0 is rejected). */
export const METADATA_FRAME_VERSION = 1;

export interface MetadataRecord {
  /** The record type: the schema's `apiKey` (see MetadataRecordType). */
  apiKey: number;
  version: number;
  value: unknown;
}

/**
 * The value of a `__cluster_metadata` record: unsigned varints frame version,
 * apiKey and record version, then the record body (the record key is null).
 */
export function encodeMetadataRecord(record: MetadataRecord, w = new Writer()): Buffer {
  const codec = metadataRecordCodecs.get(record.apiKey);
  if (!codec) throw new ProtocolError(`unknown metadata record type ${record.apiKey}`, 'MetadataRecord.apiKey');
  w.unsignedVarint(METADATA_FRAME_VERSION);
  w.unsignedVarint(record.apiKey);
  w.unsignedVarint(record.version);
  codec.write(w, record.version, record.value);
  return w.toBuffer();
}

export function decodeMetadataRecord(bytes: Buffer): MetadataRecord {
  const r = new Reader(bytes);
  const frameVersion = r.unsignedVarint('MetadataRecord.frameVersion');
  if (frameVersion !== METADATA_FRAME_VERSION) throw new ProtocolError(`frame version ${frameVersion}`, 'MetadataRecord.frameVersion');
  const apiKey = r.unsignedVarint('MetadataRecord.apiKey');
  const version = r.unsignedVarint('MetadataRecord.version');
  const codec = metadataRecordCodecs.get(apiKey);
  if (!codec) throw new ProtocolError(`unknown metadata record type ${apiKey}`, 'MetadataRecord.apiKey');
  const value = codec.read(r, version);
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} bytes after the record`, 'MetadataRecord');
  return { apiKey, version, value };
}
