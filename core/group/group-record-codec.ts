/**
 * The bytes of __consumer_offsets records, as Kafka lays them out: key and
 * value each start with an int16 version, then the schema's struct. The key
 * version tells the record kinds apart (OffsetCommitKey 0-1, GroupMetadataKey
 * 2; higher versions are KIP-848 records, not ours). Value versions written
 * are Kafka's: OffsetCommitValue 1 when the commit carries an expire
 * timestamp, else 3; GroupMetadataValue 3.
 */
import { ProtocolError } from '../protocol/protocol-error.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { readGroupMetadataKey, writeGroupMetadataKey } from '../protocol/generated/internal/group-coordinator/group-metadata-key.js';
import { readGroupMetadataValue, writeGroupMetadataValue } from '../protocol/generated/internal/group-coordinator/group-metadata-value.js';
import { readOffsetCommitKey, writeOffsetCommitKey } from '../protocol/generated/internal/group-coordinator/offset-commit-key.js';
import { readOffsetCommitValue, writeOffsetCommitValue } from '../protocol/generated/internal/group-coordinator/offset-commit-value.js';
import type { GroupCoordinatorRecord } from './group-records.js';

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const GROUP_METADATA_VALUE_VERSION = 3;

export interface EncodedRecord {
  key: Buffer;
  /** null: a tombstone, which compaction eventually removes together with the key. */
  value: Buffer | null;
}

export function encodeGroupRecord(record: GroupCoordinatorRecord): EncodedRecord {
  const key = new Writer(64);
  let value: Writer | null = null;
  if (record.type === 'OffsetCommit') {
    key.int16(OFFSET_COMMIT_KEY_VERSION);
    writeOffsetCommitKey(key, OFFSET_COMMIT_KEY_VERSION, record.key);
    if (record.value !== null) {
      const version = record.value.expireTimestamp === -1n ? 3 : 1;
      value = new Writer(64);
      value.int16(version);
      writeOffsetCommitValue(value, version, record.value);
    }
  } else {
    key.int16(GROUP_METADATA_KEY_VERSION);
    writeGroupMetadataKey(key, GROUP_METADATA_KEY_VERSION, record.key);
    if (record.value !== null) {
      value = new Writer(256);
      value.int16(GROUP_METADATA_VALUE_VERSION);
      writeGroupMetadataValue(value, GROUP_METADATA_VALUE_VERSION, record.value);
    }
  }
  return { key: key.toBuffer(), value: value?.toBuffer() ?? null };
}

/**
 * Decodes one record of a __consumer_offsets partition; null for record kinds
 * the classic coordinator does not own (KIP-848 and share groups). Malformed
 * bytes throw ProtocolError.
 */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): GroupCoordinatorRecord | null {
  const keyReader = new Reader(key);
  const keyVersion = keyReader.int16('key.version');
  if (keyVersion === 0 || keyVersion === 1) {
    const decodedKey = readOffsetCommitKey(keyReader, keyVersion);
    expectEnd(keyReader, 'OffsetCommitKey');
    if (value === null) return { type: 'OffsetCommit', key: decodedKey, value: null };
    const valueReader = new Reader(value);
    const decodedValue = readOffsetCommitValue(valueReader, valueReader.int16('OffsetCommitValue.version'));
    return { type: 'OffsetCommit', key: decodedKey, value: decodedValue };
  }
  if (keyVersion === 2) {
    const decodedKey = readGroupMetadataKey(keyReader, keyVersion);
    expectEnd(keyReader, 'GroupMetadataKey');
    if (value === null) return { type: 'GroupMetadata', key: decodedKey, value: null };
    const valueReader = new Reader(value);
    const decodedValue = readGroupMetadataValue(valueReader, valueReader.int16('GroupMetadataValue.version'));
    return { type: 'GroupMetadata', key: decodedKey, value: decodedValue };
  }
  return null;
}

function expectEnd(reader: Reader, path: string): void {
  if (reader.remaining !== 0) throw new ProtocolError(`${reader.remaining} bytes after the key`, path);
}
