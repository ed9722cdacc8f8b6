import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { defaultApiVersionsRequest } from '../core/protocol/generated/messages/api-versions.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { rawConnect, requestFrame } from './support/raw-requests.js';

/**
 * max.connection.creation.rate on a client listener: a burst beyond the rate is not refused but
 * served at the rate, as Kafka's acceptor throttles; the inter-broker listener is exempt.
 */
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ extraListeners: { CLIENTS: 'PLAINTEXT' }, properties: { 'max.connection.creation.rate': 5 } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

/** Opens `count` connections at once; resolves with when each got its ApiVersions answer (ms after the start). */
async function burst(port: number, count: number): Promise<number[]> {
  const started = Date.now();
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = await rawConnect(port);
      try {
        const decoder = new FrameDecoder(1 << 20);
        const answered = new Promise<number>((resolve, reject) => {
          socket.on('data', (chunk: Buffer) => decoder.push(chunk).length > 0 && resolve(Date.now() - started));
          socket.once('close', () => reject(new Error('closed')));
        });
        socket.write(requestFrame(ApiKey.ApiVersions, 3, 1, defaultApiVersionsRequest()));
        return await answered;
      } finally {
        socket.destroy();
      }
    }),
  );
}

describe('max.connection.creation.rate', () => {
  it('serves a burst of 15 connections on a client listener at 5 a second, refusing none', async () => {
    const times = (await burst(node.listenerPorts['CLIENTS']!, 15)).sort((a, b) => a - b);
    // A second's worth at once, then one every 200 ms: the last about 2 s in.
    expect(times[4]!).toBeLessThan(1_000);
    expect(times[14]!).toBeGreaterThanOrEqual(1_800);
    expect(metricValue(await node.metrics(), 'freshet_network_throttled_connections_total', { listener: 'CLIENTS' })).toBe(10);
  });

  it('leaves the inter-broker listener unthrottled', async () => {
    const times = await burst(node.port, 15);
    expect(Math.max(...times)).toBeLessThan(1_500);
    expect(metricValue(await node.metrics(), 'freshet_network_throttled_connections_total', { listener: 'PLAINTEXT' })).toBe(0);
  });
});
