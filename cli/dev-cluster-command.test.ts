import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevClusterState } from './dev-cluster.js';
import { freePortRange, runFreshet } from './testing/freshet-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-dev-cluster-'));
const state = (): DevClusterState => JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as DevClusterState;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
};
const devCluster = async (...args: string[]): Promise<string> => {
  const run = await runFreshet(['dev-cluster', ...args, '--data-dir', dataDir]);
  expect(run.stderr, run.stdout).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
};

describe('freshet dev-cluster', () => {
  let basePort: number;
  beforeAll(async () => {
    // Never 9092: three client listeners (PLAINTEXT, SSL, SASL_PLAINTEXT) per node from a free base, as 9092-9100.
    basePort = await freePortRange(9);
    const controllerBasePort = await freePortRange(3);
    const metricsBasePort = await freePortRange(3);
    const started = await devCluster(
      'start', '--nodes', '3', '--base-port', String(basePort), '--controller-base-port', String(controllerBasePort),
      '--metrics-base-port', String(metricsBasePort), '--override', 'num.io.threads=1', '--override', 'broker.session.timeout.ms=3000',
    );
    expect(started).toContain(`bootstrap servers: 127.0.0.1:${basePort},127.0.0.1:${basePort + 3},127.0.0.1:${basePort + 6}`);
    expect(started).toContain(`SSL: 127.0.0.1:${basePort + 1},127.0.0.1:${basePort + 4},127.0.0.1:${basePort + 7}`);
    expect(started).toContain(`SASL_PLAINTEXT: 127.0.0.1:${basePort + 2},127.0.0.1:${basePort + 5},127.0.0.1:${basePort + 8}`);
  });
  afterAll(async () => {
    // Whatever a failed test left running: SIGKILL by the recorded pids only.
    for (const node of state().nodes) if (alive(node.pid)) process.kill(node.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('start returns with every node serving, each with its data dir and log, and a quorum leader', async () => {
    const admin = new Kafka({ clientId: 'dev-cluster-test', brokers: [`127.0.0.1:${basePort + 3}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => [b.nodeId, b.port]).sort()).toEqual([[1, basePort], [2, basePort + 3], [3, basePort + 6]]);
    } finally {
      await admin.disconnect();
    }
    for (const node of state().nodes) {
      expect(alive(node.pid)).toBe(true);
      expect(readFileSync(join(dataDir, String(node.id), 'meta.properties'), 'utf8')).toContain(`node.id=${node.id}`);
      expect(readFileSync(join(dataDir, `${node.id}.log`), 'utf8')).toContain(`Freshet node ${node.id} started`);
    }
    // The SSL listener with the cluster's own CA, and the SASL one with a PLAIN user.
    const secured = [
      new Kafka({ clientId: 'dev-cluster-ssl', brokers: [`127.0.0.1:${basePort + 4}`], ssl: { ca: [readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8')] }, logLevel: logLevel.NOTHING }).admin(),
      new Kafka({ clientId: 'dev-cluster-sasl', brokers: [`127.0.0.1:${basePort + 8}`], sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING }).admin(),
    ];
    for (const client of secured) {
      await client.connect();
      try {
        expect((await client.describeCluster()).brokers).toHaveLength(3);
      } finally {
        await client.disconnect();
      }
    }
    const status = await devCluster('status');
    expect(status).toMatch(/QuorumLeader: [123]\s/);
    expect(status.match(/ running /g)).toHaveLength(3);
  });

  it('kill-node kills one node by its pid, start-node brings it back serving, stop stops them all', async () => {
    const before = state().nodes.find((n) => n.id === 2)!;
    expect(await devCluster('kill-node', '2')).toBe('Node 2 killed\n');
    expect(alive(before.pid)).toBe(false);
    expect(await devCluster('status')).toMatch(/^2\s+\d+\s+stopped /m);
    expect(await devCluster('start-node', '2')).toBe('Node 2 serves\n');
    const after = state().nodes.find((n) => n.id === 2)!;
    expect(after.pid).not.toBe(before.pid);
    expect(alive(after.pid)).toBe(true);
    const again = await runFreshet(['dev-cluster', 'start', '--data-dir', dataDir, '--base-port', String(basePort)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is running \(nodes 1, 2, 3\); stop it first/);

    expect(await devCluster('stop-node', '3')).toBe('Node 3 stopped\n');
    expect(readFileSync(join(dataDir, '3.log'), 'utf8')).toContain('Freshet node 3 shut down');
    expect(await devCluster('stop')).toBe('Stopped nodes 1, 2\n');
    for (const node of state().nodes) expect(alive(node.pid)).toBe(false);
  });
});
