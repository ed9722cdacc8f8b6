import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { ConfigError, KafkaClientError, KafkaTimeoutError, ProducerFencedError, throwIfError } from './client-error.js';

describe('client errors', () => {
  it('carry Kafka\'s name and code, retriable from Kafka\'s table', () => {
    const error = new KafkaClientError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'topic-0');
    expect(error).toMatchObject({ errorCode: 6, errorName: 'NOT_LEADER_OR_FOLLOWER', retriable: true, fatal: false, message: 'NOT_LEADER_OR_FOLLOWER: topic-0' });
    expect(new KafkaClientError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 't')).toMatchObject({ retriable: false, fatal: false });
    expect(new KafkaClientError(999, 'x').errorName).toBe('UNKNOWN(999)');
  });

  it('mark fencing and authorization of the producer fatal, never retriable', () => {
    expect(new KafkaClientError(ErrorCode.PRODUCER_FENCED, 'p')).toMatchObject({ fatal: true, retriable: false });
    expect(new KafkaClientError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'p').fatal).toBe(true);
    const fenced = new ProducerFencedError('txn t', ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(fenced).toBeInstanceOf(KafkaClientError);
    expect(fenced).toMatchObject({ name: 'ProducerFencedError', errorName: 'INVALID_PRODUCER_EPOCH', fatal: true });
  });

  it('give client-side failures the closest Kafka code', () => {
    expect(new KafkaTimeoutError('Topic t not present in metadata after 60000 ms.')).toMatchObject({
      errorCode: ErrorCode.REQUEST_TIMED_OUT,
      retriable: true,
      name: 'KafkaTimeoutError',
    });
    expect(new ConfigError('linger.ms', -1, 'Invalid value -1 for configuration linger.ms')).toMatchObject({
      errorName: 'INVALID_CONFIG',
      message: 'Invalid value -1 for configuration linger.ms',
    });
    expect(() => throwIfError(ErrorCode.NONE, 'ok')).not.toThrow();
    expect(() => throwIfError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'topic a b', 'bad name')).toThrow('INVALID_TOPIC_EXCEPTION: topic a b: bad name');
  });
});
