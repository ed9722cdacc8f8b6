/**
 * The load-test verdict. Producers log what they sent and what the broker
 * acknowledged; consumers log what they saw. From those two histories the
 * checker reports, per partition, the acknowledged records nobody saw (lost),
 * records seen more than once (duplicates) and per-key order violations.
 */

/** A record a producer sent; `offset` is set once the broker acknowledged it. */
export interface ProducedRecord {
  id: string;
  key: string;
  /** Sequence of this record among the producer's records with the same key. */
  seq: number;
  partition: number;
  acknowledged: boolean;
  offset?: bigint;
}

export interface ConsumedRecord {
  id: string;
  key: string;
  seq: number;
  partition: number;
  offset: bigint;
}

export type DeliverySemantics = 'at-least-once' | 'exactly-once';

export interface PartitionReport {
  partition: number;
  acknowledged: number;
  consumed: number;
  /** Acknowledged ids never consumed. */
  lost: string[];
  /** Ids stored at more than one offset: the log holds them twice. */
  duplicatedInLog: string[];
  /** Ids delivered more than once at the same offset (a consumer re-read after a restart). */
  redelivered: string[];
  /** A key whose sequence went backwards in offset order. */
  orderViolations: Array<{ key: string; offset: bigint; seq: number; previousSeq: number }>;
}

export interface Verdict {
  ok: boolean;
  partitions: PartitionReport[];
  totals: { acknowledged: number; consumed: number; lost: number; duplicatedInLog: number; redelivered: number; orderViolations: number };
}

export function check(
  produced: Iterable<ProducedRecord>,
  consumed: Iterable<ConsumedRecord>,
  semantics: DeliverySemantics = 'at-least-once',
): Verdict {
  const reports = new Map<number, PartitionReport>();
  const report = (partition: number): PartitionReport => {
    let r = reports.get(partition);
    if (r === undefined) {
      r = { partition, acknowledged: 0, consumed: 0, lost: [], duplicatedInLog: [], redelivered: [], orderViolations: [] };
      reports.set(partition, r);
    }
    return r;
  };

  // Offsets each id was seen at, and how often.
  const seen = new Map<string, Map<bigint, number>>();
  const byPartition = new Map<number, ConsumedRecord[]>();
  for (const record of consumed) {
    report(record.partition).consumed++;
    let offsets = seen.get(record.id);
    if (offsets === undefined) {
      offsets = new Map();
      seen.set(record.id, offsets);
    }
    offsets.set(record.offset, (offsets.get(record.offset) ?? 0) + 1);
    let list = byPartition.get(record.partition);
    if (list === undefined) {
      list = [];
      byPartition.set(record.partition, list);
    }
    list.push(record);
  }

  for (const record of produced) {
    if (!record.acknowledged) continue;
    const r = report(record.partition);
    r.acknowledged++;
    if (!seen.has(record.id)) r.lost.push(record.id);
  }

  for (const [partition, records] of byPartition) {
    const r = report(partition);
    const reported = new Set<string>();
    for (const record of records) {
      const offsets = seen.get(record.id)!;
      if (reported.has(record.id)) continue;
      if (offsets.size > 1) {
        r.duplicatedInLog.push(record.id);
        reported.add(record.id);
      } else if ([...offsets.values()][0]! > 1) {
        r.redelivered.push(record.id);
        reported.add(record.id);
      }
    }
    // Order is judged on the log: each offset once, in offset order.
    const byOffset = new Map<bigint, ConsumedRecord>();
    for (const record of records) byOffset.set(record.offset, record);
    const ordered = [...byOffset.values()].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    const lastSeq = new Map<string, number>();
    for (const record of ordered) {
      const previousSeq = lastSeq.get(record.key);
      // A retried send may store an older sequence again after a newer one only as a duplicate;
      // an id already counted as duplicated is not also an order violation.
      if (previousSeq !== undefined && record.seq < previousSeq && !reported.has(record.id)) {
        r.orderViolations.push({ key: record.key, offset: record.offset, seq: record.seq, previousSeq });
      }
      lastSeq.set(record.key, Math.max(previousSeq ?? -1, record.seq));
    }
  }

  const partitions = [...reports.values()].sort((a, b) => a.partition - b.partition);
  const sum = (f: (r: PartitionReport) => number) => partitions.reduce((n, r) => n + f(r), 0);
  const totals = {
    acknowledged: sum((r) => r.acknowledged),
    consumed: sum((r) => r.consumed),
    lost: sum((r) => r.lost.length),
    duplicatedInLog: sum((r) => r.duplicatedInLog.length),
    redelivered: sum((r) => r.redelivered.length),
    orderViolations: sum((r) => r.orderViolations.length),
  };
  const duplicatesAllowed = semantics === 'at-least-once';
  const ok =
    totals.lost === 0 &&
    totals.orderViolations === 0 &&
    (duplicatesAllowed || (totals.duplicatedInLog === 0 && totals.redelivered === 0));
  return { ok, partitions, totals };
}
