import { createServer, type AddressInfo } from 'node:net';
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

  it('waits reconnect.backoff.ms, doubling up to reconnect.backoff.max.ms, before connecting again to a broker that refused', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    let accepted = 0;
    server.on('connection', () => accepted++);
    const client = new KafkaClient({ bootstrapServers: `127.0.0.1:${port}`, retries: 0, reconnectBackoffMs: 200, reconnectBackoffMaxMs: 400 });
    const attemptMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = Date.now();
      await expect(client.anyConnection()).rejects.toMatchObject({ errorCode: ErrorCode.NETWORK_EXCEPTION });
      attemptMs.push(Date.now() - start);
    }
    client.close();
    server.close();
    expect(accepted).toBe(3);
    // The first attempt goes at once; then 200 ms ±20%, then 400 ms (the maximum, -20%).
    expect(attemptMs[0]).toBeLessThan(150);
    expect(attemptMs[1]).toBeGreaterThanOrEqual(160);
    expect(attemptMs[2]).toBeGreaterThanOrEqual(320);
  });
});
