import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { defaultPartitionRecord } from '../../core/protocol/generated/metadata/partition-record.js';
import type { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../core/protocol/generated/messages/describe-topic-partitions.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import { createDescribeTopicPartitionsHandler } from './describe-topic-partitions.js';
import type { RequestContext } from './registry.js';

const image = new MetadataImage();
const topics = { alpha: 'AAAAAAAAAAAAAAAAAAAAAg', beta: 'AAAAAAAAAAAAAAAAAAAAAw' } as const;
for (const [name, topicId] of Object.entries(topics)) {
  image.replay({ type: MetadataRecordType.TopicRecord, value: { name, topicId } });
  for (let partitionId = 0; partitionId < 3; partitionId++) {
    image.replay({ type: MetadataRecordType.PartitionRecord, value: { ...defaultPartitionRecord(), topicId, partitionId, replicas: [1, 2], isr: [1], leader: 1, leaderEpoch: 4 } });
  }
}
const metadata = { nodeId: 1, image: () => image } as unknown as ClusterMetadata;
const handler = createDescribeTopicPartitionsHandler(metadata);
const context = { apiVersion: 0 } as RequestContext;
const ask = (request: Partial<DescribeTopicPartitionsRequest>) =>
  handler.handle(context, { topics: [], responsePartitionLimit: 2000, cursor: null, ...request }) as DescribeTopicPartitionsResponse;
const pages = (response: DescribeTopicPartitionsResponse) => response.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]);

describe('DescribeTopicPartitions', () => {
  it('describes the named topics with leader, epoch, replicas and ISR; unknown ones get UNKNOWN_TOPIC_OR_PARTITION', () => {
    const response = ask({ topics: [{ name: 'beta' }, { name: 'missing' }] });
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['beta', ErrorCode.NONE],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(response.topics[0]!.topicId).toBe(topics.beta);
    expect(response.topics[0]!.partitions[2]).toMatchObject({ partitionIndex: 2, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2], isrNodes: [1] });
  });

  it('pages through every topic in name order with ResponsePartitionLimit and the cursor', () => {
    const first = ask({ responsePartitionLimit: 4 });
    expect(pages(first)).toEqual([['alpha', [0, 1, 2]], ['beta', [0]]]);
    expect(first.nextCursor).toEqual({ topicName: 'beta', partitionIndex: 1 });
    const second = ask({ responsePartitionLimit: 4, cursor: first.nextCursor });
    expect(pages(second)).toEqual([['beta', [1, 2]]]);
    expect(second.nextCursor).toBeNull();
  });
});
