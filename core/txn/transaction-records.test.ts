import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol/protocol-error.js';
import { decodeTransactionRecord, encodeTransactionRecord, type TransactionRecord } from './transaction-records.js';
import { TransactionState } from './transaction-state.js';

const ongoing: TransactionRecord = {
  key: { transactionalId: 'tx-1' },
  value: {
    producerId: 4000n,
    previousProducerId: -1n,
    nextProducerId: -1n,
    producerEpoch: 3,
    transactionTimeoutMs: 60_000,
    transactionStatus: TransactionState.Ongoing,
    transactionPartitions: [{ topic: 'orders', partitionIds: [0, 2] }],
    transactionLastUpdateTimestampMs: 1_700_000_000_123n,
    transactionStartTimestampMs: 1_700_000_000_000n,
    clientTransactionVersion: 0,
  },
};

describe('__transaction_state records', () => {
  it('lays out the key as Kafka does: int16 version 0, then the transactional id as a string', () => {
    const { key } = encodeTransactionRecord(ongoing);
    expect(key.toString('hex')).toBe(`0000${'0004'}${Buffer.from('tx-1').toString('hex')}`);
  });

  it('writes value version 0 unless a version-1 field is set, and reads both back unchanged', () => {
    const v0 = encodeTransactionRecord(ongoing);
    expect(v0.value!.readInt16BE(0)).toBe(0);
    expect(decodeTransactionRecord(v0.key, v0.value)).toEqual(ongoing);
    const bumped: TransactionRecord = { ...ongoing, value: { ...ongoing.value!, nextProducerId: 4001n, clientTransactionVersion: 2, transactionStatus: TransactionState.PrepareCommit } };
    const v1 = encodeTransactionRecord(bumped);
    expect(v1.value!.readInt16BE(0)).toBe(1);
    expect(decodeTransactionRecord(v1.key, v1.value)).toEqual(bumped);
  });

  it('keeps a tombstone a tombstone', () => {
    const tombstone: TransactionRecord = { key: { transactionalId: 'gone' }, value: null };
    const bytes = encodeTransactionRecord(tombstone);
    expect(bytes.value).toBeNull();
    expect(decodeTransactionRecord(bytes.key, null)).toEqual(tombstone);
  });

  it('refuses trailing bytes after the key and truncated values with ProtocolError', () => {
    const { key, value } = encodeTransactionRecord(ongoing);
    expect(() => decodeTransactionRecord(Buffer.concat([key, Buffer.from([0])]), value)).toThrow(ProtocolError);
    expect(() => decodeTransactionRecord(key, value!.subarray(0, 10))).toThrow(ProtocolError);
  });
});
