import { createServer, type Server, type Socket } from 'node:net';

/**
 * Test support: the smallest TCP listener real clients (kcat/librdkafka) will
 * produce to and fetch from, so tests can capture the record batches a client
 * builds and hand it batches we built. It answers ApiVersions, Metadata v1
 * (itself as broker 1, every requested topic with one partition), Produce
 * v3–7 (recording each partition's `records` bytes) and Fetch v4–10 (serving
 * the batches given to `serve`). Responses are hand-encoded here on purpose:
 * the listener checks our batches against clients independently of the
 * generated codecs.
 */
const ApiKey = { produce: 0, fetch: 1, metadata: 3, findCoordinator: 10, apiVersions: 18 } as const;

// librdkafka enables features by advertised ranges: the v2 batch format needs
// Produce 3 and Fetch 4, gzip/snappy Metadata 0, lz4 FindCoordinator 0, zstd
// Produce 7 and Fetch 10. FindCoordinator is never called here; librdkafka
// picks the highest version of the others (Produce 7, Fetch 10, Metadata 1).
const SUPPORTED: Array<[apiKey: number, min: number, max: number]> = [
  [ApiKey.produce, 0, 7],
  [ApiKey.fetch, 0, 10],
  [ApiKey.metadata, 0, 1],
  [ApiKey.findCoordinator, 0, 0],
  [ApiKey.apiVersions, 0, 3],
];
const NODE_ID = 1;

export interface CapturedProduce {
  topic: string;
  partition: number;
  records: Buffer;
}

export class ClientCaptureListener {
  readonly captured: CapturedProduce[] = [];
  /** Requests this listener could not answer; a test should expect none. */
  readonly errors: Error[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private nextOffset = 0n;
  private served: Buffer = Buffer.alloc(0);
  private highWatermark = 0n;
  port = 0;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no port');
    this.port = address.port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Batches (with their base offsets set) that Fetch returns for partition 0 of any topic. */
  serve(records: Buffer, highWatermark: bigint): void {
    this.served = records;
    this.highWatermark = highWatermark;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        let response: Buffer | null;
        try {
          response = this.handle(pending.subarray(4, 4 + size));
        } catch (error) {
          this.errors.push(error as Error);
          socket.destroy();
          return;
        }
        pending = pending.subarray(4 + size);
        if (response !== null) {
          const frame = Buffer.alloc(4);
          frame.writeInt32BE(response.length, 0);
          socket.write(Buffer.concat([frame, response]));
        }
      }
    });
  }

  private handle(request: Buffer): Buffer | null {
    const r = new ByteReader(request);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    r.nullableString(); // clientId
    const w = new ByteWriter().int32(correlationId); // response header v0 for all three
    switch (apiKey) {
      case ApiKey.apiVersions:
        return this.apiVersions(w, apiVersion).bytes();
      case ApiKey.metadata:
        return this.metadata(r, w).bytes();
      case ApiKey.produce:
        return this.produce(r, w, apiVersion)?.bytes() ?? null;
      case ApiKey.fetch:
        return this.fetch(r, w, apiVersion).bytes();
      default:
        throw new Error(`capture listener got api key ${apiKey}`);
    }
  }

  private apiVersions(w: ByteWriter, version: number): ByteWriter {
    const flexible = version >= 3;
    w.int16(0);
    if (flexible) w.uvarint(SUPPORTED.length + 1);
    else w.int32(SUPPORTED.length);
    for (const [apiKey, min, max] of SUPPORTED) {
      w.int16(apiKey).int16(min).int16(max);
      if (flexible) w.uvarint(0);
    }
    if (version >= 1) w.int32(0);
    if (flexible) w.uvarint(0);
    return w;
  }

  private metadata(r: ByteReader, w: ByteWriter): ByteWriter {
    const count = r.int32();
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    w.int32(1).int32(NODE_ID).string('127.0.0.1').int32(this.port).int16(-1); // one broker, no rack
    w.int32(NODE_ID); // controllerId
    w.int32(topics.length);
    for (const topic of topics) {
      w.int16(0).string(topic).int8(0); // no error, not internal
      w.int32(1).int16(0).int32(0).int32(NODE_ID).int32(1).int32(NODE_ID).int32(1).int32(NODE_ID);
    }
    return w;
  }

  private produce(r: ByteReader, w: ByteWriter, version: number): ByteWriter | null {
    r.nullableString(); // transactionalId
    const acks = r.int16();
    r.int32(); // timeoutMs
    const responses: Array<[string, Array<[number, bigint]>]> = [];
    const topicCount = r.int32();
    for (let t = 0; t < topicCount; t++) {
      const topic = r.string();
      const partitions: Array<[number, bigint]> = [];
      const partitionCount = r.int32();
      for (let p = 0; p < partitionCount; p++) {
        const partition = r.int32();
        const records = r.nullableBytes() ?? Buffer.alloc(0);
        this.captured.push({ topic, partition, records: Buffer.from(records) });
        partitions.push([partition, this.nextOffset]);
        this.nextOffset += 1000n;
      }
      responses.push([topic, partitions]);
    }
    if (acks === 0) return null;
    w.int32(responses.length);
    for (const [topic, partitions] of responses) {
      w.string(topic).int32(partitions.length);
      for (const [partition, baseOffset] of partitions) {
        w.int32(partition).int16(0).int64(baseOffset);
        if (version >= 2) w.int64(-1n); // logAppendTimeMs
        if (version >= 5) w.int64(0n); // logStartOffset
      }
    }
    w.int32(0); // throttleTimeMs
    return w;
  }

  private fetch(r: ByteReader, w: ByteWriter, version: number): ByteWriter {
    if (version < 4) throw new Error(`capture listener serves Fetch v4+, got v${version}`);
    r.int32(); // replicaId
    r.int32(); // maxWaitMs
    r.int32(); // minBytes
    r.int32(); // maxBytes
    r.int8(); // isolationLevel
    if (version >= 7) {
      r.int32(); // sessionId
      r.int32(); // sessionEpoch
    }
    const topics: Array<[string, Array<[number, bigint]>]> = [];
    const topicCount = r.int32();
    for (let t = 0; t < topicCount; t++) {
      const topic = r.string();
      const partitions: Array<[number, bigint]> = [];
      const partitionCount = r.int32();
      for (let p = 0; p < partitionCount; p++) {
        const partition = r.int32();
        if (version >= 9) r.int32(); // currentLeaderEpoch
        const fetchOffset = r.int64();
        if (version >= 5) r.int64(); // logStartOffset
        r.int32(); // partitionMaxBytes
        partitions.push([partition, fetchOffset]);
      }
      topics.push([topic, partitions]);
    }
    w.int32(0); // throttleTimeMs
    if (version >= 7) w.int16(0).int32(0); // errorCode, sessionId
    w.int32(topics.length);
    for (const [topic, partitions] of topics) {
      w.string(topic).int32(partitions.length);
      for (const [partition, fetchOffset] of partitions) {
        w.int32(partition).int16(0).int64(this.highWatermark).int64(this.highWatermark); // lastStableOffset
        if (version >= 5) w.int64(0n); // logStartOffset
        w.int32(0); // abortedTransactions
        const records = fetchOffset < this.highWatermark ? this.served : Buffer.alloc(0);
        w.int32(records.length).raw(records);
      }
    }
    return w;
  }
}

class ByteReader {
  private position = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.position++);
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.position);
    this.position += 8;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.position);
    this.position += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.position);
    this.position += 4;
    return v;
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new Error('unexpected null string');
    return s;
  }
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const s = this.buf.toString('utf8', this.position, this.position + length);
    this.position += length;
    return s;
  }
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    const bytes = this.buf.subarray(this.position, this.position + length);
    this.position += length;
    return bytes;
  }
}

class ByteWriter {
  private readonly parts: Buffer[] = [];
  private fixed(size: number, write: (b: Buffer) => void): this {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
    return this;
  }
  int8(v: number): this {
    return this.fixed(1, (b) => b.writeInt8(v, 0));
  }
  int16(v: number): this {
    return this.fixed(2, (b) => b.writeInt16BE(v, 0));
  }
  int32(v: number): this {
    return this.fixed(4, (b) => b.writeInt32BE(v, 0));
  }
  int64(v: bigint): this {
    return this.fixed(8, (b) => b.writeBigInt64BE(v, 0));
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    return this;
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
