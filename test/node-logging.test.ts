import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { runFreshet } from '../cli/testing/freshet-process.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

const hasKcat = requireKcat();

/** The JSON lines a node printed (its output may also hold the CLI's plain warnings). */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const requestLines = (node: FreshetNode, api: string, clientId: string) =>
  jsonLines(node.output()).filter((line) => line.component === 'request' && line.api === api && line.clientId === clientId);

/** IncrementalAlterConfigs (@platformatic/kafka) on a broker id. */
async function setBrokerConfig(node: FreshetNode, resourceName: string, name: string, value: string): Promise<void> {
  const admin = new Admin({ clientId: 'logging-test-admin', bootstrapBrokers: [node.bootstrap], retries: 2 });
  try {
    await admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName, configs: [{ name, configOperation: IncrementalAlterConfigOperationTypes.SET, value }] }],
    });
  } finally {
    await admin.close();
  }
}

/** The cluster-wide default through the `freshet configs` tool (kafkajs and @platformatic/kafka cannot name it). */
async function setClusterDefault(node: FreshetNode, name: string, value: string): Promise<void> {
  const run = await runFreshet(['configs', '--bootstrap-server', node.bootstrap, '--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', `${name}=${value}`]);
  expect(run).toMatchObject({ code: 0, stdout: 'Completed updating default config for brokers in the cluster.\n' });
}

/** The node log as operators get it, from a node started with the CLI. */
describe.skipIf(!hasKcat)('the node log', () => {
  let node: FreshetNode | undefined;
  afterEach(async () => {
    await node?.destroy();
    node = undefined;
  });

  it('writes JSON lines with node id, level and time, logs a kcat produce in the request log, and loses nothing at shutdown', async () => {
    node = await startFreshetNode({ properties: { 'log.format': 'json', 'log.level.request': 'debug' } });
    const started = jsonLines(node.output()).find((line) => /^Freshet node 1 started/.test(String(line.msg)));
    expect(started).toMatchObject({ level: 'info', nodeId: 1 });
    expect(Number.isNaN(Date.parse(String(started!.time)))).toBe(false);
    expect(jsonLines(node.output()).find((line) => line.component === 'raft')).toMatchObject({ nodeId: 1, level: 'info' });

    const produced = await runKcat(['-b', node.bootstrap, '-P', '-t', 'logged', '-X', 'client.id=kcat-logged', '-X', 'api.version.request=true'], 'one\ntwo\n');
    expect(produced.code).toBe(0);
    await expect.poll(() => requestLines(node!, 'Produce', 'kcat-logged').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const [produce] = requestLines(node, 'Produce', 'kcat-logged');
    // librdkafka 2.x speaks Produce v7 to a broker offering it; ApiVersions v3 first.
    expect(produce).toMatchObject({ level: 'debug', nodeId: 1, apiVersion: 7, principal: 'User:ANONYMOUS', partitions: 1, listener: 'PLAINTEXT' });
    expect(produce!.requestBytes).toBeGreaterThan(60);
    expect(produce!.processingTimeMs).toBeGreaterThanOrEqual(0);
    expect(requestLines(node, 'ApiVersions', 'kcat-logged')[0]).toMatchObject({ apiVersion: 3 });
    // Nothing else is at debug: only the request component was turned up.
    expect(jsonLines(node.output()).filter((line) => line.level === 'debug' && line.component !== 'request')).toEqual([]);

    expect(await node.stop()).toBe(0);
    expect(jsonLines(node.output()).at(-1)).toMatchObject({ msg: 'Freshet node 1 shut down', nodeId: 1 });
  }, 60_000);

  it('writes readable single lines in text format, the start line and the shutdown included', async () => {
    node = await startFreshetNode({ properties: { 'log.format': 'text' } });
    expect(node.output()).toMatch(/^\[[^\]]+\] INFO Freshet node 1 started \(cluster id [^)]+, roles broker,controller\) \(node 1\)$/m);
    expect(node.output()).toMatch(/^\[[^\]]+\] INFO Raft node 1: leader in epoch \d+, leader 1 \(node 1, raft\)$/m);
    expect(await node.stop()).toBe(0);
    expect(node.output().trimEnd().split('\n').at(-1)).toMatch(/^\[[^\]]+\] INFO Freshet node 1 shut down \(node 1\)$/);
  }, 60_000);

  it('switches the request log on and off with IncrementalAlterConfigs, without a restart', async () => {
    node = await startFreshetNode({ properties: { 'log.format': 'json' } });
    const first = await runKcat(['-b', node.bootstrap, '-P', '-t', 'switched', '-X', 'client.id=kcat-before'], 'a\n');
    expect(first.code).toBe(0);
    expect(requestLines(node, 'Produce', 'kcat-before')).toEqual([]);

    await setBrokerConfig(node, '1', 'log.level.request', 'debug');
    const second = await runKcat(['-b', node.bootstrap, '-P', '-t', 'switched', '-X', 'client.id=kcat-after'], 'b\n');
    expect(second.code).toBe(0);
    await expect.poll(() => requestLines(node!, 'Produce', 'kcat-after').length, { timeout: 10_000 }).toBe(1);

    const autoCreated = (topic: string) => jsonLines(node!.output()).filter((line) => line.msg === `Auto-created topic ${topic}`);
    expect((await runKcat(['-b', node.bootstrap, '-P', '-t', 'loud', '-X', 'client.id=kcat-loud'], 'c\n')).code).toBe(0);
    expect(autoCreated('loud')).toHaveLength(1);

    // log.level=warn for the cluster silences info lines; the broker's own request level turned back to info ends the request log.
    await setClusterDefault(node, 'log.level', 'warn');
    await setBrokerConfig(node, '1', 'log.level.request', 'info');
    expect((await runKcat(['-b', node.bootstrap, '-P', '-t', 'quiet', '-X', 'client.id=kcat-off'], 'd\n')).code).toBe(0);
    expect((await runKcat(['-b', node.bootstrap, '-C', '-t', 'quiet', '-o', 'beginning', '-c', '1', '-e'])).stdout.toString()).toBe('d\n');
    expect(autoCreated('quiet')).toEqual([]);
    expect(requestLines(node, 'Produce', 'kcat-off')).toEqual([]);
  }, 60_000);
});
