import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../client/admin.js';
import { KafkaClient } from '../client/kafka-client.js';
import { partitionForKey } from '../core/protocol/murmur2.js';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';
import { runFreshet, type FreshetRun } from '../cli/testing/freshet-process.js';

/** Runs `freshet <args>` as a user does, with `input` on stdin. */
function freshet(args: readonly string[], input = ''): Promise<FreshetRun> {
  return runFreshet(args, undefined, input);
}

/** The run, or a failure that shows what the tool printed on stderr. */
function succeeded<Run extends { code: number | null; stderr: string }>(run: Run): Run {
  if (run.code !== 0) throw new Error(`exit code ${run.code}, stderr:\n${run.stderr}`);
  return run;
}

const hasKcat = requireKcat();
let node: FreshetNode;
let bootstrap: string[];
let kafka: Kafka;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'num.partitions': 2 } });
  bootstrap = ['--bootstrap-server', node.bootstrap];
  kafka = new Kafka({ brokers: [node.bootstrap], clientId: 'cli-tools-test', logLevel: logLevel.NOTHING });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

describe('freshet configs', () => {
  it('adds, describes and deletes a dynamic topic config', async () => {
    await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-configs', '--partitions', '1']);
    const altered = await freshet(['configs', ...bootstrap, '--entity-type', 'topics', '--entity-name', 'tools-configs', '--alter', '--add-config', 'retention.ms=1000,cleanup.policy=compact']);
    expect(altered).toMatchObject({ code: 0, stdout: 'Completed updating config for topic tools-configs.\n' });
    const described = await freshet(['configs', ...bootstrap, '--entity-type', 'topics', '--entity-name', 'tools-configs', '--describe']);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^Dynamic configs for topic tools-configs are:\n/);
    expect(described.stdout).toMatch(/^ {2}cleanup\.policy=compact sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact/m);
    expect(described.stdout).toMatch(/^ {2}retention\.ms=1000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=1000/m);

    await freshet(['configs', ...bootstrap, '--topic', 'tools-configs', '--alter', '--delete-config', 'retention.ms']);
    const after = await freshet(['configs', ...bootstrap, '--topic', 'tools-configs', '--describe']);
    expect(after.stdout).not.toContain('retention.ms=1000');
    expect(after.stdout).toContain('cleanup.policy=compact');
  }, 60_000);

  it("describes a broker's configs: none dynamic, and with --all the values it runs with", async () => {
    const dynamic = await freshet(['configs', ...bootstrap, '--entity-type', 'brokers', '--entity-name', '1', '--describe']);
    expect(dynamic).toMatchObject({ code: 0, stdout: 'Dynamic configs for broker 1 are:\n' });
    const all = await freshet(['configs', ...bootstrap, '--broker', '1', '--describe', '--all']);
    expect(all.stdout).toMatch(/^All configs for broker 1 are:\n/);
    expect(all.stdout).toMatch(/^ {2}num\.partitions=2 sensitive=false synonyms=\{STATIC_BROKER_CONFIG:num\.partitions=2/m);
  }, 30_000);
});

describe('console tools', () => {
  it('console-producer lines arrive with their keys, values and headers, on the partition murmur2 picks, and kcat reads them back', async () => {
    await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-lines', '--partitions', '4']);
    const lines = Array.from({ length: 300 }, (_, i) => `h:${i}\tkey-${i % 17}\tvalue ${i} with spaces`);
    const produced = await freshet(
      ['console-producer', ...bootstrap, '--topic', 'tools-lines', '--property', 'parse.key=true', '--property', 'parse.headers=true', '--producer-property', 'acks=all'],
      lines.join('\n') + '\n',
    );
    expect(produced).toMatchObject({ code: 0, stderr: '' });

    // Our own console-consumer: every record once, in per-partition order, with its partition.
    const consumed = await freshet([
      'console-consumer', ...bootstrap, '--topic', 'tools-lines', '--from-beginning', '--max-messages', '300', '--timeout-ms', '10000',
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true',
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stderr).toContain('Processed a total of 300 messages');
    const rows = consumed.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(rows).toHaveLength(300);
    const byPartition = new Map<string, number[]>();
    for (const [partition, offset, headers, key, value] of rows) {
      const index = Number(/^value (\d+) with spaces$/.exec(value!)![1]);
      expect(key).toBe(`key-${index % 17}`);
      expect(headers).toBe(`h:${index}`);
      expect(partition).toBe(`Partition:${partitionForKey(Buffer.from(key!), 4)}`);
      expect(offset).toBe(`Offset:${byPartition.get(partition!)?.length ?? 0}`);
      byPartition.set(partition!, [...(byPartition.get(partition!) ?? []), index]);
    }
    for (const indexes of byPartition.values()) expect(indexes).toEqual([...indexes].sort((a, b) => a - b));

    if (hasKcat) {
      const kcat = await runKcat(['-b', node.bootstrap, '-C', '-t', 'tools-lines', '-o', 'beginning', '-e', '-q', '-f', '%p|%k|%s\n']);
      const seen = kcat.stdout.toString().trimEnd().split('\n').map((line) => line.split('|'));
      expect(seen).toHaveLength(300);
      expect(new Set(seen.map(([, , value]) => value))).toEqual(new Set(lines.map((_, i) => `value ${i} with spaces`)));
      for (const [partition, key] of seen) expect(Number(partition)).toBe(partitionForKey(Buffer.from(key!), 4));
    }
  }, 90_000);

  it('console-consumer prints what kafkajs produced, in order, from an offset of one partition, and get-offsets reports the ends', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tools-kafkajs', numPartitions: 1 }] });
    const values = Array.from({ length: 120 }, (_, i) => `kafkajs-${i}`);
    // Timestamps rise by 1 ms per record, except record 60, which carries the largest.
    const timestamp = (i: number): number => (i === 60 ? 1_800_000_000_000 : 1_700_000_000_000 + i);
    for (let i = 0; i < values.length; i += 40) {
      const messages = values.slice(i, i + 40).map((value, j) => ({ value, timestamp: String(timestamp(i + j)) }));
      await producer.send({ topic: 'tools-kafkajs', acks: -1, messages });
    }
    await producer.disconnect();
    await admin.disconnect();

    const all = succeeded(await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-kafkajs', '--from-beginning', '--max-messages', '120', '--timeout-ms', '10000']));
    expect(all.stdout).toBe(values.map((value) => `${value}\n`).join(''));

    const slice = succeeded(await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-kafkajs', '--partition', '0', '--offset', '50', '--max-messages', '3', '--property', 'print.offset=true']));
    expect(slice.stdout).toBe('Offset:50\tkafkajs-50\nOffset:51\tkafkajs-51\nOffset:52\tkafkajs-52\n');

    const idle = succeeded(await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-kafkajs', '--timeout-ms', '700']));
    expect(idle.stdout).toBe('');
    expect(idle.stderr).toContain('Processed a total of 0 messages');

    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:120\n' });
    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs', '--time', '-2'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:0\n' });
    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs', '--time', '-3'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:60\n' });
    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs', '--time', '1700000000030'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:30\n' });
    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs', '--time', '1900000000000'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:\n' });
  }, 90_000);

  it('the client admin deletes records below an offset, after which the tools start there, and describes the cluster', async () => {
    const client = new KafkaClient({ bootstrapServers: node.bootstrap });
    try {
      const admin = new Admin(client);
      expect(await admin.deleteRecords('tools-kafkajs', new Map([[0, 50n]]))).toEqual(new Map([[0, 50n]]));
      const cluster = await admin.describeCluster();
      expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: node.host, port: node.port, rack: null }]);
    } finally {
      client.close();
    }
    expect(await freshet(['get-offsets', ...bootstrap, '--topic', 'tools-kafkajs', '--time', '-2'])).toMatchObject({ code: 0, stdout: 'tools-kafkajs:0:50\n' });
    const first = succeeded(await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-kafkajs', '--from-beginning', '--max-messages', '1', '--property', 'print.offset=true']));
    expect(first.stdout).toBe('Offset:50\tkafkajs-50\n');
  }, 60_000);

  it.runIf(hasKcat)('console-consumer reads batches kcat compressed with every codec, and kcat reads what console-producer compressed', async () => {
    await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-codecs', '--partitions', '1']);
    const expected: string[] = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 50 }, (_, i) => `${codec}-${i}-${'z'.repeat(i * 10)}`);
      expected.push(...lines);
      succeeded(await runKcat(['-b', node.bootstrap, '-P', '-t', 'tools-codecs', '-p', '0', '-z', codec, '-X', 'linger.ms=50'], lines.join('\n') + '\n'));
    }
    const consumed = await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-codecs', '--from-beginning', '--max-messages', '200', '--timeout-ms', '10000']);
    expect(consumed.stdout.trimEnd().split('\n')).toEqual(expected);

    const ours = Array.from({ length: 100 }, (_, i) => `ours-${i}`);
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const produced = await freshet(['console-producer', ...bootstrap, '--topic', 'tools-codecs', '--producer-property', `compression.type=${codec}`], ours.map((line) => `${codec}-${line}`).join('\n'));
      expect(produced).toMatchObject({ code: 0, stderr: '' });
    }
    const read = await runKcat(['-b', node.bootstrap, '-C', '-t', 'tools-codecs', '-o', '200', '-e', '-q', '-f', '%s\n']);
    expect(read.stdout.toString().trimEnd().split('\n')).toEqual(['gzip', 'snappy', 'lz4', 'zstd'].flatMap((codec) => ours.map((line) => `${codec}-${line}`)));
  }, 90_000);

  it('console-producer with acks=0 and acks=1 delivers every line', async () => {
    await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-acks', '--partitions', '1']);
    for (const acks of ['0', '1']) {
      const lines = Array.from({ length: 50 }, (_, i) => `acks${acks}-${i}`);
      expect(await freshet(['console-producer', ...bootstrap, '--topic', 'tools-acks', '--producer-property', `acks=${acks}`], lines.join('\n'))).toMatchObject({ code: 0, stderr: '' });
    }
    const consumed = await freshet(['console-consumer', ...bootstrap, '--topic', 'tools-acks', '--from-beginning', '--max-messages', '100', '--timeout-ms', '10000']);
    expect(consumed.stdout.trimEnd().split('\n')).toEqual([...Array.from({ length: 50 }, (_, i) => `acks0-${i}`), ...Array.from({ length: 50 }, (_, i) => `acks1-${i}`)]);
  }, 60_000);
});

describe('freshet --help', () => {
  it('every tool explains itself and names --bootstrap-server', async () => {
    const tools = ['topics', 'console-producer', 'console-consumer', 'configs', 'get-offsets', 'consumer-groups'];
    const helps = await Promise.all(tools.map((tool) => freshet([tool, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: freshet ${tools[i]} [options]`);
      expect(help.stdout).toContain('--bootstrap-server');
    });
  }, 60_000);
});

// Runs last, so that a topic deletion's effects on the broker cannot reach the other tests.
describe('freshet topics', () => {
  it('creates a topic that kcat sees, lists it, describes it in Kafka format, adds partitions and deletes it', async () => {
    const created = await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=86400000']);
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic tools-orders.\n' });

    if (hasKcat) {
      const metadata = await runKcat(['-b', node.bootstrap, '-L', '-t', 'tools-orders', '-J']);
      const topic = (JSON.parse(metadata.stdout.toString()) as { topics: { topic: string; partitions: unknown[] }[] }).topics[0]!;
      expect(topic.topic).toBe('tools-orders');
      expect(topic.partitions).toHaveLength(3);
    }

    const list = await freshet(['topics', ...bootstrap, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('tools-orders');

    const described = await freshet(['topics', ...bootstrap, '--describe', '--topic', 'tools-orders']);
    expect(described.code).toBe(0);
    const lines = described.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Topic: tools-orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: (.*,)?retention\.ms=86400000(,.*)?$/);
    expect(lines.slice(1)).toEqual([0, 1, 2].map((p) => `\tTopic: tools-orders\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1`));

    expect(await freshet(['topics', ...bootstrap, '--alter', '--topic', 'tools-orders', '--partitions', '5'])).toMatchObject({ code: 0 });
    const altered = await freshet(['topics', ...bootstrap, '--describe', '--topic', 'tools-orders']);
    expect(altered.stdout).toContain('PartitionCount: 5');

    const again = await freshet(['topics', ...bootstrap, '--create', '--topic', 'tools-orders']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');

    expect(await freshet(['topics', ...bootstrap, '--delete', '--topic', 'tools-orders'])).toMatchObject({ code: 0 });
    const after = await freshet(['topics', ...bootstrap, '--list']);
    expect(after.stdout.split('\n')).not.toContain('tools-orders');
  }, 60_000);

  it('reports an unknown topic as a one-line error with exit code 1', async () => {
    const missing = await freshet(['topics', ...bootstrap, '--describe', '--topic', 'no-such-topic']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: UNKNOWN_TOPIC_OR_PARTITION: topic no-such-topic/);
  }, 30_000);
});
