/**
 * The records of `__transaction_state`: Kafka's TransactionLogKey/Value (the
 * types generated from Kafka's internal schemas), key and value each led by
 * an int16 version. A null value is a tombstone (an expired transactional id).
 * Values are written as version 0 unless a field only version 1 carries
 * (previous/next producer id, the client's transaction version) is set, as
 * Kafka does.
 */
import { ProtocolError } from '../protocol/protocol-error.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { readTransactionLogKey, writeTransactionLogKey, type TransactionLogKey } from '../protocol/generated/internal/transaction-coordinator/transaction-log-key.js';
import { readTransactionLogValue, writeTransactionLogValue, type TransactionLogValue } from '../protocol/generated/internal/transaction-coordinator/transaction-log-value.js';

export type { TransactionLogKey, TransactionLogValue };

export interface TransactionRecord {
  key: TransactionLogKey;
  value: TransactionLogValue | null;
}

const KEY_VERSION = 0;

export function encodeTransactionRecord(record: TransactionRecord): { key: Buffer; value: Buffer | null } {
  const key = new Writer(32 + record.key.transactionalId.length * 3);
  key.int16(KEY_VERSION);
  writeTransactionLogKey(key, KEY_VERSION, record.key);
  if (record.value === null) return { key: key.toBuffer(), value: null };
  const v = record.value;
  const version = v.previousProducerId === -1n && v.nextProducerId === -1n && v.clientTransactionVersion === 0 ? 0 : 1;
  const value = new Writer(128);
  value.int16(version);
  writeTransactionLogValue(value, version, v);
  return { key: key.toBuffer(), value: value.toBuffer() };
}

/** Decodes one record of a `__transaction_state` partition; malformed bytes throw ProtocolError. */
export function decodeTransactionRecord(keyBytes: Buffer, valueBytes: Buffer | null): TransactionRecord {
  const keyReader = new Reader(keyBytes);
  const keyVersion = keyReader.int16('TransactionLogKey.version');
  const key = readTransactionLogKey(keyReader, keyVersion);
  if (keyReader.remaining !== 0) throw new ProtocolError(`${keyReader.remaining} bytes after the key`, 'TransactionLogKey');
  if (valueBytes === null) return { key, value: null };
  const valueReader = new Reader(valueBytes);
  return { key, value: readTransactionLogValue(valueReader, valueReader.int16('TransactionLogValue.version')) };
}
