import { Kafka, logLevel } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** Topic set-up and end offsets through kafkajs's admin client, as a user would do it. */
export class BenchAdmin {
  private readonly admin;

  private constructor(bootstrap: string) {
    this.admin = new Kafka({ clientId: 'freshet-bench', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  }

  static async connect(bootstrap: string): Promise<BenchAdmin> {
    const admin = new BenchAdmin(bootstrap);
    await admin.admin.connect();
    return admin;
  }

  async createTopic(topic: string, numPartitions: number, replicationFactor = 1): Promise<void> {
    await this.admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor }], waitForLeaders: true });
  }

  /** The sum of the partitions' end offsets: how many records the topic holds. */
  async recordCount(topic: string): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  /** End offset per partition. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  }

  /** Committed offset per partition of a group (-1 when none). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [entry] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }

  close(): Promise<void> {
    return this.admin.disconnect();
  }
}
