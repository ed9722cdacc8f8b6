import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../core/protocol/generated/error-codes.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../core/protocol/generated/messages/create-topics.js';
import { defaultMetadataRequest } from '../core/protocol/generated/messages/metadata.js';
import { metricValue, startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { pipelinedRequests, rawConnect, rawRequest, readAnswers, requestFrame, residentBytes } from './support/raw-requests.js';

/**
 * max.connections, max.connections.per.ip (+ overrides) and muting of a connection whose client
 * does not read its responses, against a node started as a user starts it.
 */
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({
    properties: { 'max.connections': 8, 'max.connections.per.ip': 2, 'max.connections.per.ip.overrides': '127.0.0.1:5' },
  });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

interface Probe {
  readonly socket: Socket;
  /** Resolves true when the connection answers an ApiVersions request, false when the broker closes it. */
  answers(): Promise<boolean>;
}

async function probe(localAddress: string): Promise<Probe> {
  const socket = connect({ port: node.port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let correlationId = 0;
  return {
    socket,
    answers: () =>
      new Promise((resolve) => {
        if (socket.destroyed) return resolve(false);
        const onData = (): void => done(true);
        const onClose = (): void => done(false);
        const done = (answered: boolean): void => {
          socket.off('data', onData);
          socket.off('close', onClose);
          resolve(answered);
        };
        socket.once('data', onData);
        socket.once('close', onClose);
        socket.write(requestFrame(ApiKey.ApiVersions, 0, ++correlationId, {}));
      }),
  };
}

describe('connection limits', () => {
  it('closes connections beyond max.connections.per.ip (with overrides) and max.connections, and only those', async () => {
    const activeConnections = async (): Promise<number> => metricValue(await node.metrics(), 'freshet_network_active_connections');
    const probes: Probe[] = [];
    try {
      const fromOne = await Promise.all(Array.from({ length: 6 }, () => probe('127.0.0.1')));
      probes.push(...fromOne);
      // The override lets 5 in from 127.0.0.1, where max.connections.per.ip alone would let 2.
      expect((await Promise.all(fromOne.map((p) => p.answers()))).filter(Boolean)).toHaveLength(5);
      // Which of concurrent connections the broker accepts first is the kernel's order: count them.
      const fromTwo = await Promise.all(Array.from({ length: 3 }, () => probe('127.0.0.2')));
      probes.push(...fromTwo);
      expect((await Promise.all(fromTwo.map((p) => p.answers()))).filter(Boolean)).toHaveLength(2);
      // The eighth connection fills max.connections, which then refuses an address that has none yet.
      const fromThree = await probe('127.0.0.3');
      probes.push(fromThree);
      expect(await fromThree.answers()).toBe(true);
      const fromFour = await probe('127.0.0.4');
      probes.push(fromFour);
      expect(await fromFour.answers()).toBe(false);
      const open = probes.filter((p) => !p.socket.destroyed);
      expect(open).toHaveLength(8);
      expect(await Promise.all(open.map((p) => p.answers()))).toEqual(Array(8).fill(true));
      const metrics = await node.metrics();
      expect(metricValue(metrics, 'freshet_network_refused_connections_total', { reason: 'max_connections_per_ip' })).toBe(2);
      expect(metricValue(metrics, 'freshet_network_refused_connections_total', { reason: 'max_connections' })).toBe(1);

      // A connection closed (once the broker has seen it close) frees its place.
      open[0]!.socket.destroy();
      await expect.poll(activeConnections).toBe(7);
      const again = await probe('127.0.0.4');
      probes.push(again);
      expect(await again.answers()).toBe(true);
    } finally {
      for (const p of probes) p.socket.destroy();
    }
    await expect.poll(activeConnections).toBe(0);
  });

  it('mutes a connection whose client reads none of 20,000 pipelined Metadata answers, then answers them all in order', async () => {
    // 30 topics with long names: each all-topics Metadata answer is about 8 KB.
    const topics = Array.from({ length: 30 }, (_, i) => `${'m'.repeat(240)}-${i}`);
    const created = await rawRequest<CreateTopicsResponse>(node.port, ApiKey.CreateTopics, 5, {
      ...defaultCreateTopicsRequest(),
      topics: topics.map((name) => ({ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 })),
    });
    expect(created.topics.every((t) => t.errorCode === ErrorCode.NONE)).toBe(true);
    const pid = node.process().process.pid!;
    const metadataRequests = async (): Promise<number> => metricValue(await node.metrics(), 'freshet_network_requests_total', { api: 'Metadata' });
    const body = { ...defaultMetadataRequest(), topics: null };
    // Warm-up, so the baseline includes the new topics' partitions and a heap that has served Metadata.
    const warm = await rawConnect(node.port);
    warm.write(pipelinedRequests(ApiKey.Metadata, 9, body, 1000));
    expect(await readAnswers(warm, 1000)).toEqual({ answers: 1000, outOfOrder: 0 });
    warm.destroy();
    const rssBefore = await residentBytes(pid);
    const handledBefore = await metadataRequests();

    const requests = 20_000;
    const socket = await rawConnect(node.port);
    socket.pause();
    socket.write(pipelinedRequests(ApiKey.Metadata, 9, body, requests));
    // Muted: the broker stops taking requests from this connection once its answers back up.
    let previous = -1;
    await expect
      .poll(async () => {
        const now = await metadataRequests();
        const settled = now === previous && now > 0;
        previous = now;
        return settled;
      }, { timeout: 30_000, interval: 500 })
      .toBe(true);
    const handled = previous - handledBefore;
    // What the kernel's socket buffers took, the muting bound and the requests in flight: not the ~2,000 requests of a read chunk more.
    expect(handled).toBeLessThan(1000);
    const metrics = await node.metrics();
    const queued = metricValue(metrics, 'freshet_network_response_queue_bytes');
    // 1 MiB muting bound plus the answers of at most 100 requests in flight (about 0.8 MB here).
    expect(queued).toBeLessThan(2 * 1024 * 1024);
    expect(await residentBytes(pid)).toBeLessThan(rssBefore + 48 * 1024 * 1024);

    // Reading resumes the connection; every answer arrives, in order.
    expect(await readAnswers(socket, requests)).toEqual({ answers: requests, outOfOrder: 0 });
    socket.destroy();
    // About 11 s on a quiet machine (160 MB of answers read at the end); room for a loaded one.
  }, 120_000);

  it.skipIf(!requireKcat())('still serves kcat afterwards', async () => {
    expect((await runKcat(['-b', node.bootstrap, '-P', '-t', 'after-limits'], 'x\ny\n')).code).toBe(0);
    const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', 'after-limits', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.toString()).toBe('x\ny\n');
  });
});
