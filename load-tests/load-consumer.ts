import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { ConsumedRecord } from './checker.js';
import type { LoadRecordValue } from './load-producer.js';

/** A member of a consumer group (kafkajs): logs every record it is handed, committing as it goes. */
export class LoadConsumer {
  private readonly consumer: Consumer;

  constructor(
    bootstrap: string,
    private readonly topic: string,
    groupId: string,
    name: string,
    private readonly sink: ConsumedRecord[],
  ) {
    this.consumer = new Kafka({ clientId: name, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
      retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommitInterval: 1000,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          const value = JSON.parse(message.value?.toString() ?? '{}') as LoadRecordValue;
          this.sink.push({ id: value.id, key: value.key, seq: value.seq, partition: batch.partition, offset: BigInt(message.offset) });
          resolveOffset(message.offset);
        }
        await heartbeat();
      },
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
