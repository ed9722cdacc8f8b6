/**
 * Scripted transaction coordinator scenarios in the style of etcd raft's
 * interaction tests: each testdata/*.txt holds commands and, after `----`,
 * the records, markers and responses they produced. Run with REWRITE=1 to
 * regenerate the expected output, then review the diff.
 */
import { describe } from 'vitest';
import { replayTranscripts } from '../protocol/test-support/transcript.js';
import { errorCodes } from '../protocol/generated/error-codes.js';
import type { TopicPartitions, TxnMarkerRequest, TxnResult } from './transaction-api.js';
import { defaultTransactionCoordinatorConfig, TransactionCoordinator } from './transaction-coordinator.js';
import { decodeTransactionRecord, encodeTransactionRecord, type TransactionRecord } from './transaction-records.js';
import { transactionStateName } from './transaction-state.js';

const errorName = (code: number): string => errorCodes.get(code)?.name ?? `ERROR_${code}`;
const partitionsText = (topics: readonly TopicPartitions[]): string => topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).join(' ');

function parsePartitions(spec: string): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of spec.split(',').filter((s) => s !== '')) {
    const [topic = '', partition = '0'] = tp.split(':');
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(partition)]);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

class Harness {
  nowMs = 0;
  private coordinator!: TransactionCoordinator;
  private config = { ...defaultTransactionCoordinatorConfig };
  /** The partition's records as bytes, replayed through the codec on reload. */
  private readonly log: Array<{ key: Buffer; value: Buffer | null }> = [];
  /** Markers handed out and not yet reported written. */
  private outstanding: TxnMarkerRequest[] = [];
  private nextProducerId = 1000n;

  constructor() {
    this.coordinator = new TransactionCoordinator(this.config);
    this.coordinator.completeLoad(this.nowMs);
  }

  run(line: string): string[] {
    const [command = '', ...rest] = line.trim().split(/\s+/);
    const args = new Map(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const arg = (name: string, fallback: string): string => args.get(name) ?? fallback;
    const num = (name: string, fallback: number): number => Number(arg(name, String(fallback)));
    const id = arg('id', 't1');
    const c = this.coordinator;
    switch (command) {
      case 'config':
        this.config = {
          transactionMaxTimeoutMs: num('max-timeout', this.config.transactionMaxTimeoutMs),
          transactionalIdExpirationMs: num('id-expiration', this.config.transactionalIdExpirationMs),
          abortTimedOutTransactionsIntervalMs: num('abort-interval', this.config.abortTimedOutTransactionsIntervalMs),
          removeExpiredTransactionalIdsIntervalMs: num('expire-interval', this.config.removeExpiredTransactionalIdsIntervalMs),
        };
        this.coordinator = new TransactionCoordinator(this.config);
        this.log.length = 0;
        this.outstanding = [];
        return this.print(this.coordinator.completeLoad(this.nowMs), () => []);
      case 'init':
        return this.print(
          c.initProducerId({ transactionalId: id, transactionTimeoutMs: num('timeout', 60_000), producerId: BigInt(arg('pid', '-1')), producerEpoch: num('epoch', -1), producerIdCandidate: this.candidate() }, this.nowMs),
          (r) => [`InitProducerId ${errorName(r.errorCode)} pid=${r.producerId} epoch=${r.producerEpoch}`],
        );
      case 'add':
      case 'add-offsets':
      case 'verify': {
        const topics = command === 'add-offsets' ? [{ topic: '__consumer_offsets', partitions: [num('offsets-partition', 0)] }] : parsePartitions(arg('p', ''));
        return this.print(
          c.addPartitionsToTxn({ transactionalId: id, producerId: BigInt(arg('pid', '1000')), producerEpoch: num('epoch', 0), verifyOnly: command === 'verify', topics }, this.nowMs),
          (r) => [`${command === 'verify' ? 'Verify' : 'AddPartitionsToTxn'} ${errorName(r.errorCode)}${r.notInTransaction.length > 0 ? ` not-in-transaction=[${partitionsText(r.notInTransaction)}]` : ''}`],
        );
      }
      case 'end':
        return this.print(
          c.endTxn(
            { transactionalId: id, producerId: BigInt(arg('pid', '1000')), producerEpoch: num('epoch', 0), committed: arg('commit', 'true') === 'true', transactionVersion2: arg('v2', 'false') === 'true', producerIdCandidate: this.candidate() },
            this.nowMs,
          ),
          (r) => [`EndTxn ${errorName(r.errorCode)}${arg('v2', 'false') === 'true' ? ` pid=${r.producerId} epoch=${r.producerEpoch}` : ''}`],
        );
      case 'write-markers': {
        // Every outstanding marker lands on its partitions; the coordinator hears of each transaction.
        const written = this.outstanding.filter((m) => !args.has('id') || m.transactionalId === id);
        this.outstanding = this.outstanding.filter((m) => !written.includes(m));
        return written.flatMap((m) => [`  wrote ${m.committed ? 'COMMIT' : 'ABORT'} ${m.transactionalId} pid=${m.producerId} epoch=${m.producerEpoch} [${partitionsText(m.topics)}]`, ...this.print(c.markersWritten(m.transactionalId, m.producerId, m.producerEpoch, this.nowMs), () => [])]);
      }
      case 'advance':
        this.nowMs += Number(rest[0]);
        return [`now=${this.nowMs}`, ...this.print(c.poll(this.nowMs), () => [])];
      case 'describe':
        return c.describeTransactions(id.split(',')).map((d) =>
          d.errorCode !== 0
            ? `describe ${d.transactionalId} ${errorName(d.errorCode)}`
            : `describe ${d.transactionalId} ${d.transactionState} pid=${d.producerId} epoch=${d.producerEpoch} timeout=${d.transactionTimeoutMs} start=${d.transactionStartTimeMs} [${partitionsText(d.topics)}]`,
        );
      case 'list': {
        const r = c.listTransactions(
          { stateFilters: args.has('states') ? arg('states', '').split(',') : [], producerIdFilters: args.has('pids') ? arg('pids', '').split(',').map(BigInt) : [], durationFilterMs: BigInt(arg('duration', '-1')) },
          this.nowMs,
        );
        const unknown = r.unknownStateFilters.length > 0 ? ` unknown=[${r.unknownStateFilters.join(' ')}]` : '';
        return [`list${unknown} ${r.transactionStates.map((t) => `${t.transactionalId}:${t.transactionState}:${t.producerId}`).join(' ')}`.trimEnd()];
      }
      case 'crash':
        // Memory is lost, and so are markers in flight; the partition's records survive.
        this.coordinator = new TransactionCoordinator(this.config);
        this.outstanding = [];
        return [`log has ${this.log.length} records`];
      case 'load-in-progress':
        return this.print(
          this.coordinator.initProducerId({ transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, producerIdCandidate: this.nextProducerId }, this.nowMs),
          (r) => [`InitProducerId ${errorName(r.errorCode)}`],
        );
      case 'reload':
        for (const { key, value } of this.log) this.coordinator.replay(decodeTransactionRecord(key, value));
        return ['loaded', ...this.print(this.coordinator.completeLoad(this.nowMs), () => [])];
      default:
        throw new Error(`unknown command: ${line}`);
    }
  }

  /** The next producer id of the broker's block; taken only by a call whose records use it. */
  private candidate(): bigint {
    return this.nextProducerId;
  }

  private print<R>(result: TxnResult<R>, response: (r: R) => string[]): string[] {
    if (result.records.some((r) => r.value !== null && (r.value.producerId === this.nextProducerId || r.value.nextProducerId === this.nextProducerId))) this.nextProducerId++;
    this.log.push(...result.records.map(encodeTransactionRecord));
    this.outstanding.push(...result.markers);
    return [
      ...result.records.map(formatRecord),
      ...result.markers.map((m) => `  marker ${m.committed ? 'COMMIT' : 'ABORT'} ${m.transactionalId} pid=${m.producerId} epoch=${m.producerEpoch} [${partitionsText(m.topics)}]`),
      ...response(result.response).map((r) => `  ${r}`),
    ];
  }
}

function formatRecord(record: TransactionRecord): string {
  const v = record.value;
  if (v === null) return `  record ${record.key.transactionalId} tombstone`;
  const partitions = v.transactionPartitions === null ? 'null' : `[${v.transactionPartitions.flatMap((t) => t.partitionIds.map((p) => `${t.topic}-${p}`)).join(' ')}]`;
  const extra = [
    v.previousProducerId !== -1n ? ` prev=${v.previousProducerId}` : '',
    v.nextProducerId !== -1n ? ` next=${v.nextProducerId}` : '',
    v.clientTransactionVersion !== 0 ? ` tv=${v.clientTransactionVersion}` : '',
  ].join('');
  return `  record ${record.key.transactionalId} ${transactionStateName(v.transactionStatus)} pid=${v.producerId} epoch=${v.producerEpoch}${extra} timeout=${v.transactionTimeoutMs} partitions=${partitions} start=${v.transactionStartTimestampMs} at=${v.transactionLastUpdateTimestampMs}`;
}

describe('transaction coordinator transcripts', () => {
  replayTranscripts(new URL('./testdata/', import.meta.url), () => {
    const harness = new Harness();
    return (line) => harness.run(line);
  });
});
