import { ProtocolError } from '../../protocol/protocol-error.js';
import { Reader } from '../../protocol/reader.js';
import { Writer } from '../../protocol/writer.js';
import { metadataRecordCodecs, MetadataRecordType } from '../../protocol/generated/metadata/index.js';
import type { AccessControlEntryRecord } from '../../protocol/generated/metadata/access-control-entry-record.js';
import type { ClientQuotaRecord } from '../../protocol/generated/metadata/client-quota-record.js';
import type { ConfigRecord } from '../../protocol/generated/metadata/config-record.js';
import type { FeatureLevelRecord } from '../../protocol/generated/metadata/feature-level-record.js';
import type { FenceBrokerRecord } from '../../protocol/generated/metadata/fence-broker-record.js';
import type { NoOpRecord } from '../../protocol/generated/metadata/no-op-record.js';
import type { PartitionChangeRecord } from '../../protocol/generated/metadata/partition-change-record.js';
import type { PartitionRecord } from '../../protocol/generated/metadata/partition-record.js';
import type { ProducerIdsRecord } from '../../protocol/generated/metadata/producer-ids-record.js';
import type { RegisterBrokerRecord } from '../../protocol/generated/metadata/register-broker-record.js';
import type { RemoveAccessControlEntryRecord } from '../../protocol/generated/metadata/remove-access-control-entry-record.js';
import type { RemoveTopicRecord } from '../../protocol/generated/metadata/remove-topic-record.js';
import type { TopicRecord } from '../../protocol/generated/metadata/topic-record.js';
import type { UnfenceBrokerRecord } from '../../protocol/generated/metadata/unfence-broker-record.js';
import type { UnregisterBrokerRecord } from '../../protocol/generated/metadata/unregister-broker-record.js';
import type { UserScramCredentialRecord } from '../../protocol/generated/metadata/user-scram-credential-record.js';
import type { RemoveUserScramCredentialRecord } from '../../protocol/generated/metadata/remove-user-scram-credential-record.js';

/** The metadata records the image understands, tagged with their schema's apiKey. */
export type MetadataRecord =
  | { readonly type: typeof MetadataRecordType.RegisterBrokerRecord; readonly value: RegisterBrokerRecord }
  | { readonly type: typeof MetadataRecordType.UnregisterBrokerRecord; readonly value: UnregisterBrokerRecord }
  | { readonly type: typeof MetadataRecordType.TopicRecord; readonly value: TopicRecord }
  | { readonly type: typeof MetadataRecordType.PartitionRecord; readonly value: PartitionRecord }
  | { readonly type: typeof MetadataRecordType.ConfigRecord; readonly value: ConfigRecord }
  | { readonly type: typeof MetadataRecordType.PartitionChangeRecord; readonly value: PartitionChangeRecord }
  | { readonly type: typeof MetadataRecordType.FenceBrokerRecord; readonly value: FenceBrokerRecord }
  | { readonly type: typeof MetadataRecordType.UnfenceBrokerRecord; readonly value: UnfenceBrokerRecord }
  | { readonly type: typeof MetadataRecordType.RemoveTopicRecord; readonly value: RemoveTopicRecord }
  | { readonly type: typeof MetadataRecordType.FeatureLevelRecord; readonly value: FeatureLevelRecord }
  | { readonly type: typeof MetadataRecordType.ProducerIdsRecord; readonly value: ProducerIdsRecord }
  | { readonly type: typeof MetadataRecordType.NoOpRecord; readonly value: NoOpRecord }
  | { readonly type: typeof MetadataRecordType.AccessControlEntryRecord; readonly value: AccessControlEntryRecord }
  | { readonly type: typeof MetadataRecordType.RemoveAccessControlEntryRecord; readonly value: RemoveAccessControlEntryRecord }
  | { readonly type: typeof MetadataRecordType.ClientQuotaRecord; readonly value: ClientQuotaRecord }
  | { readonly type: typeof MetadataRecordType.UserScramCredentialRecord; readonly value: UserScramCredentialRecord }
  | { readonly type: typeof MetadataRecordType.RemoveUserScramCredentialRecord; readonly value: RemoveUserScramCredentialRecord };

const supported: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 14, 15, 18, 19, 20, 22]);

/** Kafka's ApiMessageAndVersion frame version for metadata records. */
const frameVersion = 1;

/**
 * Encodes a record as KRaft stores it in `__cluster_metadata` record values:
 * unsigned varints frame version, apiKey and record version, then the record in its schema.
 */
export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const codec = metadataRecordCodecs.get(record.type)!;
  const w = new Writer(64);
  w.unsignedVarint(frameVersion);
  w.unsignedVarint(record.type);
  w.unsignedVarint(codec.maxVersion);
  codec.write(w, codec.maxVersion, record.value);
  return w.toBuffer();
}

/** Decodes one framed record; anything malformed or unknown is a ProtocolError. */
export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const frame = r.unsignedVarint('MetadataRecord.frameVersion');
  if (frame !== frameVersion) throw new ProtocolError(`unsupported frame version ${frame}`, 'MetadataRecord');
  const type = r.unsignedVarint('MetadataRecord.apiKey');
  const version = r.unsignedVarint('MetadataRecord.version');
  const codec = metadataRecordCodecs.get(type);
  if (codec === undefined || !supported.has(type)) throw new ProtocolError(`unsupported metadata record type ${type}`, 'MetadataRecord');
  if (version < codec.minVersion || version > codec.maxVersion) throw new ProtocolError(`${codec.name} version ${version} is unsupported`, 'MetadataRecord');
  const value = codec.read(r, version);
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} bytes after ${codec.name}`, 'MetadataRecord');
  return { type, value } as MetadataRecord;
}

/** Several records as one byte string (an entry's payload, or a snapshot): 4-byte length, then each framed record. */
export function encodeMetadataRecords(records: readonly MetadataRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const record of records) {
    const bytes = encodeMetadataRecord(record);
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

export function decodeMetadataRecords(data: Uint8Array): MetadataRecord[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: MetadataRecord[] = [];
  let position = 0;
  while (position < buf.length) {
    if (buf.length - position < 4) throw new ProtocolError('truncated record length', 'MetadataRecords');
    const length = buf.readUInt32BE(position);
    position += 4;
    if (buf.length - position < length) throw new ProtocolError('truncated record', 'MetadataRecords');
    records.push(decodeMetadataRecord(buf.subarray(position, position + length)));
    position += length;
  }
  return records;
}
