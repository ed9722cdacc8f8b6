/**
 * A seeded simulation of transactional producers, one transaction coordinator
 * and the partitions their transactions touch, with injected faults: the
 * coordinator crashes (losing its memory, markers in flight and any write not
 * yet durable) and partition leaders crash mid-commit (a marker write fails
 * and is retried). After every step and once everything settled:
 * - a transaction ends committed or aborted on every partition it touched,
 *   the same on all of them, never both;
 * - a commit the client was told succeeded is a commit everywhere;
 * - no marker is lost: once faults stop, nothing stays open on any partition.
 * `SIM_SEED=n` runs one seed.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import type { TxnMarkerRequest, TxnResult } from './transaction-api.js';
import { defaultTransactionCoordinatorConfig, TransactionCoordinator } from './transaction-coordinator.js';
import { decodeTransactionRecord, encodeTransactionRecord } from './transaction-records.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = 'commit' | 'abort';

/** A partition leader's view of transactions: each producer's open one, and how each ended. */
class SimPartition {
  readonly epochs = new Map<bigint, number>();
  readonly open = new Map<bigint, number>();
  readonly outcomes = new Map<number, Outcome>();
  /** Partition leader crashed: marker writes to it fail until it is back. */
  down = false;

  produce(producerId: bigint, epoch: number, txn: number): boolean {
    if (epoch < (this.epochs.get(producerId) ?? -1)) return false;
    this.epochs.set(producerId, epoch);
    const open = this.open.get(producerId);
    if (open !== undefined && open !== txn) throw new Error(`txn ${txn} joined the open txn ${open} of producer ${producerId}`);
    if (this.outcomes.has(txn)) throw new Error(`txn ${txn} wrote after its marker`);
    this.open.set(producerId, txn);
    return true;
  }

  marker(producerId: bigint, epoch: number, outcome: Outcome): void {
    if (epoch < (this.epochs.get(producerId) ?? -1)) return;
    this.epochs.set(producerId, epoch);
    const txn = this.open.get(producerId);
    if (txn === undefined) return;
    this.open.delete(producerId);
    this.outcomes.set(txn, outcome);
  }
}

interface Client {
  transactionalId: string;
  producerId: bigint;
  epoch: number;
  phase: 'init' | 'idle' | 'open' | 'ending';
  txn: number;
  partitions: number[];
  committing: boolean;
  /** A stalled client (a zombie) does nothing until it wakes; its transaction times out meanwhile. */
  stalledUntilMs: number;
}

function simulate(seed: number): void {
  const random = mulberry32(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const config = { ...defaultTransactionCoordinatorConfig, abortTimedOutTransactionsIntervalMs: 100 };
  const partitions = Array.from({ length: 6 }, () => new SimPartition());
  /** __transaction_state as compaction leaves it: the last record of each transactional id. */
  const log = new Map<string, { key: Buffer; value: Buffer | null }>();
  let coordinator = new TransactionCoordinator(config);
  let nowMs = 0;
  let nextProducerId = 1n;
  let nextTxn = 1;
  let outstanding: TxnMarkerRequest[] = [];
  const toldCommitted = new Set<number>();
  const txnPartitions = new Map<number, Set<number>>();
  const clients: Client[] = Array.from({ length: 4 }, (_, i) => ({
    transactionalId: `t${i % 3}`, // two clients share t0: one fences the other
    producerId: -1n,
    epoch: -1,
    phase: 'init',
    txn: 0,
    partitions: [],
    committing: false,
    stalledUntilMs: 0,
  }));

  /** Persist, then act: a write may be lost with the coordinator, and then nothing of it is seen. */
  const commit = <R,>(result: TxnResult<R>, faults: boolean): R | null => {
    if (faults && result.records.length > 0 && random() < 0.05) {
      coordinator = new TransactionCoordinator(config);
      outstanding = [];
      for (const r of log.values()) coordinator.replay(decodeTransactionRecord(r.key, r.value));
      outstanding.push(...coordinator.completeLoad(nowMs).markers);
      return null;
    }
    for (const record of result.records) log.set(record.key.transactionalId, encodeTransactionRecord(record));
    outstanding.push(...result.markers);
    // Written, but the answer is lost on the way: the client retries.
    if (faults && random() < 0.03) return null;
    return result.response;
  };

  const deliverMarkers = (faults: boolean): void => {
    for (const marker of [...outstanding]) {
      const targets = marker.topics.flatMap((t) => t.partitions);
      if (faults && targets.some((p) => partitions[p]!.down)) continue; // retried later
      for (const p of targets) partitions[p]!.marker(marker.producerId, marker.producerEpoch, marker.committed ? 'commit' : 'abort');
      outstanding = outstanding.filter((m) => m !== marker);
      commit(coordinator.markersWritten(marker.transactionalId, marker.producerId, marker.producerEpoch, nowMs), faults);
    }
  };

  const checkOutcomes = (): void => {
    for (const [txn, touched] of txnPartitions) {
      const seen = new Set([...touched].map((p) => partitions[p]!.outcomes.get(txn)).filter((o) => o !== undefined));
      if (seen.size > 1) throw new Error(`txn ${txn} ended ${[...seen].join(' and ')} (seed ${seed})`);
      if (toldCommitted.has(txn) && seen.has('abort')) throw new Error(`txn ${txn} was acknowledged committed, and aborted (seed ${seed})`);
    }
  };

  const step = (client: Client, faults: boolean): void => {
    if (client.stalledUntilMs > nowMs) return;
    if (faults && random() < 0.01) {
      client.stalledUntilMs = nowMs + 2_000;
      return;
    }
    const reinit = (): void => void (client.phase = 'init');
    switch (client.phase) {
      case 'init': {
        const candidate = nextProducerId++;
        const r = commit(coordinator.initProducerId({ transactionalId: client.transactionalId, transactionTimeoutMs: 1_000, producerId: -1n, producerEpoch: -1, producerIdCandidate: candidate }, nowMs), faults);
        if (r === null || r.errorCode !== ErrorCode.NONE) return;
        Object.assign(client, { producerId: r.producerId, epoch: r.producerEpoch, phase: 'idle' });
        return;
      }
      case 'idle':
      case 'open': {
        if (client.phase === 'open' && random() < 0.4) {
          client.committing = random() < 0.7;
          client.phase = 'ending';
          return;
        }
        const partition = Math.floor(random() * partitions.length);
        if (client.phase === 'idle') client.txn = nextTxn++;
        const r = commit(coordinator.addPartitionsToTxn({ transactionalId: client.transactionalId, producerId: client.producerId, producerEpoch: client.epoch, verifyOnly: false, topics: [{ topic: 'p', partitions: [partition] }] }, nowMs), faults);
        if (r === null || r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) return;
        if (r.errorCode !== ErrorCode.NONE) return reinit();
        client.phase = 'open';
        // KIP-890 part 1: the leader checks with the coordinator before appending.
        const verified = coordinator.addPartitionsToTxn({ transactionalId: client.transactionalId, producerId: client.producerId, producerEpoch: client.epoch, verifyOnly: true, topics: [{ topic: 'p', partitions: [partition] }] }, nowMs);
        if (verified.response.errorCode !== ErrorCode.NONE) return;
        if (partitions[partition]!.produce(client.producerId, client.epoch, client.txn)) {
          let touched = txnPartitions.get(client.txn);
          if (touched === undefined) txnPartitions.set(client.txn, (touched = new Set()));
          touched.add(partition);
        }
        return;
      }
      case 'ending': {
        const r = commit(coordinator.endTxn({ transactionalId: client.transactionalId, producerId: client.producerId, producerEpoch: client.epoch, committed: client.committing, transactionVersion2: seed % 2 === 0, producerIdCandidate: nextProducerId++ }, nowMs), faults);
        if (r === null || r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) return;
        if (r.errorCode !== ErrorCode.NONE) return reinit();
        if (client.committing) toldCommitted.add(client.txn);
        if (seed % 2 === 0) Object.assign(client, { producerId: r.producerId, epoch: r.producerEpoch });
        client.phase = 'idle';
      }
    }
  };

  coordinator.completeLoad(nowMs);
  for (let i = 0; i < 1_500; i++) {
    nowMs += Math.floor(random() * 20);
    for (const p of partitions) if (random() < 0.02) p.down = !p.down;
    commit(coordinator.poll(nowMs), true);
    step(pick(clients), true);
    if (random() < 0.5) deliverMarkers(true);
    checkOutcomes();
  }
  // Faults stop; open transactions time out and every marker lands.
  for (const p of partitions) p.down = false;
  for (let i = 0; i < 10; i++) {
    nowMs += 1_000;
    commit(coordinator.poll(nowMs), false);
    deliverMarkers(false);
  }
  checkOutcomes();
  for (const [index, p] of partitions.entries()) expect([...p.open.values()], `partition ${index} still has open transactions (seed ${seed})`).toEqual([]);
  for (const [txn, touched] of txnPartitions) for (const p of touched) expect(partitions[p]!.outcomes.has(txn), `txn ${txn} has no marker on partition ${p} (seed ${seed})`).toBe(true);
  expect(txnPartitions.size, 'the simulation ran transactions').toBeGreaterThan(20);
  expect([...partitions].some((p) => [...p.outcomes.values()].includes('abort')) && toldCommitted.size > 0, 'both outcomes happened').toBe(true);
}

describe('transaction coordinator simulation', () => {
  const seeds = process.env.SIM_SEED !== undefined ? [Number(process.env.SIM_SEED)] : Array.from({ length: 24 }, (_, i) => i + 1);
  for (const seed of seeds) {
    it(`seed ${seed}: every transaction ends the same way on every partition it touched, and none is left open`, () => simulate(seed));
  }
});
