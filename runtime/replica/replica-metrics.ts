import type { Runtime } from '../../core/actors/runtime.js';
import { batchViews } from '../../core/protocol/record-batch-header.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { LocalPartition } from './local-partition.js';

/** What the gauges read when scraped. */
export interface ReplicaMetricsSources {
  partitions(): Iterable<LocalPartition>;
  readonly partitionCount: number;
  readonly purgatories: ReadonlyArray<{ readonly name: string; readonly size: number }>;
  readonly runtime: Pick<Runtime, 'depths'>;
}

/**
 * The replica manager's metrics: records and bytes in and out per topic
 * (counted from batch headers), replicas held, log sizes, purgatory sizes and
 * the actors' queue depths.
 */
export class ReplicaMetrics {
  private readonly messagesIn;
  private readonly bytesIn;
  private readonly messagesOut;
  private readonly bytesOut;

  constructor(metrics: BrokerMetrics, sources: ReplicaMetricsSources) {
    this.messagesIn = metrics.counter({ name: 'freshet_topic_messages_in_total', help: 'Records appended, by topic (from batch headers).', labelNames: ['topic'] });
    this.bytesIn = metrics.counter({ name: 'freshet_topic_bytes_in_total', help: 'Record batch bytes appended, by topic.', labelNames: ['topic'] });
    this.messagesOut = metrics.counter({ name: 'freshet_topic_messages_out_total', help: 'Records sent to consumers, by topic (from batch headers).', labelNames: ['topic'] });
    this.bytesOut = metrics.counter({ name: 'freshet_topic_bytes_out_total', help: 'Record batch bytes sent to consumers, by topic.', labelNames: ['topic'] });
    metrics.gauge({
      name: 'freshet_replica_partitions',
      help: 'Partitions this broker holds a replica of (leading or following).',
      collect() {
        this.set(sources.partitionCount);
      },
    });
    metrics.gauge({
      name: 'freshet_log_size_bytes',
      help: 'Bytes on disk per partition, as last reported by its actor.',
      labelNames: ['topic', 'partition'],
      collect() {
        this.reset();
        for (const p of sources.partitions()) this.set({ topic: p.topic, partition: String(p.partition) }, p.state.sizeBytes);
      },
    });
    metrics.gauge({
      name: 'freshet_replica_follower_lag_records',
      help: "As leader: records between this log's end and each follower's log end at its last fetch in the current leader epoch.",
      labelNames: ['topic', 'partition', 'replica'],
      collect() {
        this.reset();
        for (const p of sources.partitions()) {
          if (!p.state.isLeader) continue;
          for (const [replica, fetched] of p.followerLogEndOffsets) {
            if (fetched.leaderEpoch !== p.state.leaderEpoch || !p.replicas.includes(replica)) continue;
            this.set({ topic: p.topic, partition: String(p.partition), replica: String(replica) }, Math.max(0, p.state.logEndOffset - fetched.logEndOffset));
          }
        }
      },
    });
    metrics.gauge({
      name: 'freshet_purgatory_size',
      help: 'Requests waiting in a purgatory (Produce acks=-1, Fetch long-poll).',
      labelNames: ['purgatory'],
      collect() {
        for (const purgatory of sources.purgatories) this.set({ purgatory: purgatory.name }, purgatory.size);
      },
    });
    metrics.gauge({
      name: 'freshet_actor_queue_depth',
      help: 'Messages queued per actor mailbox and records per inbound ring, by thread.',
      labelNames: ['thread', 'queue'],
      async collect() {
        this.reset();
        for (const depths of await sources.runtime.depths()) {
          let mailboxMessages = 0;
          for (const mailbox of Object.values(depths.mailboxes)) mailboxMessages += mailbox.messages;
          let ringRecords = 0;
          for (const ring of Object.values(depths.inboundRings)) ringRecords += ring.records;
          this.set({ thread: String(depths.thread), queue: 'mailbox' }, mailboxMessages);
          this.set({ thread: String(depths.thread), queue: 'ring' }, ringRecords);
        }
      },
    });
  }

  appended(topic: string, recordCount: number, bytes: number): void {
    this.messagesIn.inc({ topic }, recordCount);
    this.bytesIn.inc({ topic }, bytes);
  }

  /** Batches read for a consumer. */
  sent(topic: string, records: Buffer): void {
    let count = 0;
    for (const view of batchViews(records, { allowPartialTail: true })) count += view.recordsCount;
    this.messagesOut.inc({ topic }, count);
    this.bytesOut.inc({ topic }, records.length);
  }
}
