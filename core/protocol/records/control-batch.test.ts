import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol-error.js';
import { RecordBatchView } from '../record-batch-header.js';
import {
  buildEndTxnMarkerBatch,
  ControlRecordType,
  controlRecordKey,
  isKnownControlRecordType,
  parseControlRecordKey,
  parseEndTxnMarker,
} from './control-batch.js';
import { iterateRecords } from './record-iterator.js';

describe('transaction marker batches', () => {
  it.each(['commit', 'abort'] as const)('builds a %s marker as a transactional control batch with one record', (type) => {
    const batch = buildEndTxnMarkerBatch({ type, producerId: 4242n, producerEpoch: 5, coordinatorEpoch: 17, timestamp: 1_700_000_000_000n, baseOffset: 99n, partitionLeaderEpoch: 3 });
    const view = new RecordBatchView(batch, 0);
    expect([view.isControl, view.isTransactional, view.isCrcValid(), view.recordsCount, view.baseSequence]).toEqual([true, true, true, 1, -1]);
    expect([view.producerId, view.producerEpoch, view.baseOffset, view.partitionLeaderEpoch]).toEqual([4242n, 5, 99n, 3]);
    const [record] = [...iterateRecords(view)];
    expect(record!.key!.toString('hex')).toBe(type === 'commit' ? '00000001' : '00000000');
    expect(record!.value!.toString('hex')).toBe('0000' + '00000011');
    expect(parseControlRecordKey(record!.key)).toEqual({ version: 0, type: type === 'commit' ? ControlRecordType.commit : ControlRecordType.abort });
    expect(parseEndTxnMarker(record!.value)).toEqual({ version: 0, coordinatorEpoch: 17 });
    expect(record!.offset).toBe(99n);
    expect(record!.timestamp).toBe(1_700_000_000_000n);
  });
});

describe('control record keys', () => {
  it('recognises every KRaft control type and reports newer types as unknown', () => {
    for (const type of Object.values(ControlRecordType)) {
      expect(parseControlRecordKey(controlRecordKey(type)).type).toBe(type);
      expect(isKnownControlRecordType(type)).toBe(true);
    }
    expect(isKnownControlRecordType(parseControlRecordKey(controlRecordKey(42)).type)).toBe(false);
  });

  it('reads a newer key version by its first two fields, as Java does', () => {
    expect(parseControlRecordKey(Buffer.from('0001000100ff', 'hex'))).toEqual({ version: 1, type: 1 });
  });

  it('refuses short, null or negative-version keys and short marker values', () => {
    expect(() => parseControlRecordKey(null)).toThrow(ProtocolError);
    expect(() => parseControlRecordKey(Buffer.from('000001', 'hex'))).toThrow(ProtocolError);
    expect(() => parseControlRecordKey(Buffer.from('ffff0001', 'hex'))).toThrow(ProtocolError);
    expect(() => parseEndTxnMarker(Buffer.from('00000000', 'hex'))).toThrow(ProtocolError);
    expect(() => parseEndTxnMarker(null)).toThrow(ProtocolError);
  });
});
