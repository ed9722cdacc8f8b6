import { createServer, connect, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/testing/freshet-process.js';
import { KafkaProducer, type RecordMetadata } from '../client/producer/kafka-producer.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';

/**
 * A TCP proxy in front of the broker (which advertises the proxy) that, when
 * armed, cuts the connection at the next response after a Produce-sized
 * request: the broker has written the records but the producer never hears
 * so, and must retry. With idempotence the retry is recognised as a
 * duplicate; without it the records are stored twice (the control case).
 */
class CuttingProxy {
  private cutsLeft = 0;
  readonly cuts: number[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(port: number, target: () => number): Promise<CuttingProxy> {
    const server = createServer();
    const proxy = new CuttingProxy(server, port);
    server.on('connection', (client) => proxy.pipe(client, target()));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  arm(cuts: number): void {
    this.cutsLeft = cuts;
  }

  private pipe(client: Socket, port: number): void {
    const broker = connect(port, '127.0.0.1');
    this.sockets.add(client).add(broker);
    let requestBytes = 0;
    client.on('data', (chunk: Buffer) => {
      requestBytes += chunk.length;
      broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      if (this.cutsLeft > 0 && requestBytes > 8192) {
        this.cutsLeft--;
        this.cuts.push(Date.now());
        client.destroy();
        broker.destroy();
        return;
      }
      requestBytes = 0;
      client.write(chunk);
    });
    for (const [a, b] of [[client, broker], [broker, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('KafkaProducer when responses are lost after the broker wrote the records', () => {
  let node: FreshetNode | undefined;
  let proxy: CuttingProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    await node?.destroy();
  });

  async function produceThroughCuts(topic: string, idempotence: boolean): Promise<{ metadata: RecordMetadata[]; stored: string[][] }> {
    if (node === undefined) {
      const proxyPort = await freePort();
      let brokerPort = 0;
      proxy = await CuttingProxy.start(proxyPort, () => brokerPort);
      node = await startFreshetNode({ properties: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` } });
      brokerPort = node.port;
    }
    const bootstrap = `127.0.0.1:${proxy!.port}`;
    await node.createTopic(topic, 2);
    const producer = new KafkaProducer<string, string>({
      'bootstrap.servers': bootstrap,
      'value.serializer': 'string',
      'enable.idempotence': idempotence,
      'linger.ms': 2,
      'retry.backoff.ms': 20,
    });
    const total = 4000;
    const sends: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(producer.send({ topic, partition: i % 2, value: String(i) }));
      if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
      if (i === 1000) proxy!.arm(3);
    }
    const metadata = await Promise.all(sends);
    await producer.close();
    // At least one response was lost after its records were written (later cuts may find the sends already done).
    expect(proxy!.cuts.length).toBeGreaterThanOrEqual(1);
    proxy!.arm(0);
    proxy!.cuts.length = 0;

    const consumer = new Kafka({ clientId: 'lost-responses', brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `${topic}-reader` });
    const stored: string[][] = [[], []];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    void consumer.run({ eachMessage: async ({ partition, message }) => void stored[partition]!.push(message.value!.toString()) });
    await expect.poll(() => stored[0]!.length + stored[1]!.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(total);
    await consumer.disconnect();
    return { metadata, stored };
  }

  const expected = (partition: number): string[] => Array.from({ length: 2000 }, (_, n) => String(n * 2 + partition));

  it('stores each record once, in send order, with idempotence (the default)', async () => {
    const { metadata, stored } = await produceThroughCuts('lost-idempotent', true);
    expect(stored).toEqual([expected(0), expected(1)]);
    for (const p of [0, 1]) expect(metadata.filter((m) => m.partition === p).map((m) => Number(m.offset))).toEqual(expected(p).map((_, n) => n));
  }, 90_000);

  it('stores retried records twice without idempotence, which is what idempotence prevents', async () => {
    const { stored } = await produceThroughCuts('lost-plain', false);
    expect(stored[0]!.length + stored[1]!.length).toBeGreaterThan(4000);
  }, 90_000);
});
