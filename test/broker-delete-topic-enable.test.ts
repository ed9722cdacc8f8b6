import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/** delete.topic.enable=false, as a Kafka operator sets it: DeleteTopics is refused and the topic stays. */
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'delete.topic.enable': false } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

describe('delete.topic.enable=false', () => {
  it('answers a kafkajs deleteTopics with TOPIC_DELETION_DISABLED and keeps the topic', async () => {
    await node.createTopic('kept', 1);
    const admin = new Kafka({ clientId: 'delete-disabled', brokers: [node.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    try {
      await expect(admin.deleteTopics({ topics: ['kept'], timeout: 5000 })).rejects.toMatchObject({ type: 'TOPIC_DELETION_DISABLED', code: 73 });
      expect(await admin.listTopics()).toContain('kept');
    } finally {
      await admin.disconnect();
    }
  });
});
