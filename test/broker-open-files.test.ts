import { readdirSync, readlinkSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshetNode, type FreshetNode } from './support/freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * log.max.open.files bounds the segment files a node holds open, whatever its partition count:
 * idle ones are closed and reopened on demand, and nothing is lost.
 */
const MAX_OPEN_FILES = 20;
const PARTITIONS = 60;
let node: FreshetNode;

beforeAll(async () => {
  node = await startFreshetNode({ properties: { 'log.max.open.files': MAX_OPEN_FILES, 'num.io.threads': 2 } });
}, 60_000);

afterAll(async () => {
  await node?.destroy();
});

/** The segment files of log.dirs (not the metadata log) the node's process holds descriptors for. */
function openSegmentFiles(pid: number): string[] {
  const open: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(node.logDir) && target.endsWith('.log')) open.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return open;
}

describe('open segment files', () => {
  it.skipIf(!requireKcat())(`stay at most log.max.open.files=${MAX_OPEN_FILES} with ${PARTITIONS} partitions written and read`, async () => {
    expect(node.output()).toMatch(new RegExp(`Open-file limit \\d+: up to ${MAX_OPEN_FILES} segment files open at once`));
    const topic = 'many';
    await node.createTopic(topic, PARTITIONS);
    const producer = new Kafka({ clientId: 'open-files', brokers: [node.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      for (let round = 0; round < 2; round++) {
        await producer.send({ topic, messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `r${round}-p${partition}` })) });
      }
    } finally {
      await producer.disconnect();
    }
    const pid = node.process().process.pid!;
    expect(openSegmentFiles(pid).length).toBeLessThanOrEqual(MAX_OPEN_FILES);

    const consumed = await runKcat(['-b', node.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %s\n']);
    const lines = consumed.stdout.toString().trim().split('\n').sort();
    const expected = Array.from({ length: PARTITIONS }, (_, p) => [`${p} r0-p${p}`, `${p} r1-p${p}`]).flat().sort();
    expect(lines).toEqual(expected);
    expect(openSegmentFiles(pid).length).toBeLessThanOrEqual(MAX_OPEN_FILES);
  });
});
