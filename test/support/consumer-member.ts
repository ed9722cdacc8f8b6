import type { KafkaConsumer, TopicPartition } from '../../client/kafka-consumer.js';

export interface RebalanceEvent {
  kind: 'assigned' | 'revoked' | 'lost';
  partitions: number[];
  atMs: number;
}

/** A consumer polling in the background, keeping what it read and its rebalance events. */
export class Member {
  readonly records: { partition: number; offset: bigint; value: string | null; atMs: number }[] = [];
  readonly events: RebalanceEvent[] = [];
  readonly owned = new Set<number>();
  lastPollStartedAt = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    readonly consumer: KafkaConsumer<unknown, string | null>,
    topic: string,
  ) {
    const event = (kind: RebalanceEvent['kind']) => (partitions: TopicPartition[]) => {
      this.events.push({ kind, partitions: partitions.map((tp) => tp.partition).sort(), atMs: Date.now() });
      for (const tp of partitions) {
        if (kind === 'assigned') this.owned.add(tp.partition);
        else this.owned.delete(tp.partition);
      }
    };
    consumer.subscribe([topic], { onPartitionsAssigned: event('assigned'), onPartitionsRevoked: event('revoked'), onPartitionsLost: event('lost') });
    this.loop = (async () => {
      const until = Date.now() + 120_000;
      while (this.running && Date.now() < until) {
        this.lastPollStartedAt = Date.now();
        for (const r of await consumer.poll(100)) this.records.push({ partition: r.partition, offset: r.offset, value: r.value, atMs: Date.now() });
      }
    })();
  }

  /** Stops polling without closing (a stuck member). */
  async pause(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.consumer.close();
  }
}
