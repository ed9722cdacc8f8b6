import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { KafkaClient, parseBootstrapServers } from './kafka-client.js';

describe('parseBootstrapServers', () => {
  it('reads a comma-separated list of host:port, IPv6 hosts in brackets included', () => {
    expect(parseBootstrapServers(' a:9092,127.0.0.1:1 ,[::1]:9093,')).toEqual([
      { host: 'a', port: 9092 },
      { host: '127.0.0.1', port: 1 },
      { host: '::1', port: 9093 },
    ]);
  });

  it('refuses an address without a valid port, naming it', () => {
    for (const bad of ['localhost', 'host:', ':9092', 'host:0', 'host:70000', 'host:port']) {
      expect(() => parseBootstrapServers(bad)).toThrow(`bootstrap server "${bad}" is not host:port`);
    }
  });
});

describe('KafkaClient', () => {
  it('reports an unreachable cluster as a NETWORK_EXCEPTION after its retries', async () => {
    const client = new KafkaClient({ bootstrapServers: '127.0.0.1:1', retries: 2, retryBackoffMs: 1 });
    await expect(client.topicMetadata('t')).rejects.toMatchObject({ errorCode: ErrorCode.NETWORK_EXCEPTION });
    client.close();
  });
});
