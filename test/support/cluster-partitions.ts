import { KafkaClient, type PartitionInfo } from '../../client/kafka-client.js';

/**
 * One partition as Metadata shows it from one broker: leader, leader epoch, replicas, ISR, offline
 * replicas and the partition error (kafkajs does not expose the leader epoch, so this reads the raw
 * Metadata answer).
 */
export async function partitionInfo(bootstrap: string, topic: string, partition = 0): Promise<PartitionInfo | undefined> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'cluster-test', retries: 0, requestTimeoutMs: 5_000 });
  try {
    return (await client.metadata([topic])).topics.get(topic)?.partitions.find((p) => p.partition === partition);
  } finally {
    client.close();
  }
}

/** The broker ids Metadata lists (registered and unfenced). */
export async function liveBrokerIds(bootstrap: string): Promise<number[]> {
  const client = new KafkaClient({ bootstrapServers: bootstrap, clientId: 'cluster-test', retries: 0, requestTimeoutMs: 5_000 });
  try {
    return (await client.metadata([])).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    client.close();
  }
}
