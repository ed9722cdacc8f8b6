import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runFreshet } from '../cli/testing/freshet-process.js';
import { propertiesText, singleNodeProperties } from '../cli/testing/single-node-properties.js';
import { useFreshetNode } from './support/use-freshet-node.js';
import { requireKcat, runKcat } from './support/kcat.js';

/**
 * `.kraft.lock` (metadata dir) and `.lock` (each log dir) are OS file locks that die with the
 * process, as Kafka's FileLock: a second node on the same dirs is refused while the first runs,
 * and a restart right after kill -9 is not, whatever the old lock file says.
 */
const running = useFreshetNode();

/** A second node on other ports: `server-start` must refuse, so it is run to completion (bounded by the lock wait). */
async function secondNode(name: string, dirs: { logDir: string; metadataLogDir: string }) {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const path = join(running().dataDir, `${name}.properties`);
  writeFileSync(path, propertiesText({ ...singleNodeProperties({ port, controllerPort, ...dirs }), 'metrics.port': 0 }));
  return runFreshet(['server-start', path]);
}

describe('log dir locks', () => {
  it('refuses a second node on the same metadata dir, then on the same log dir, while the first runs', async () => {
    const metadataLogDir = join(running().dataDir, 'metadata');
    const sameMetadata = await secondNode('same-metadata', { logDir: running().logDir, metadataLogDir });
    expect(sameMetadata.code).not.toBe(0);
    expect(sameMetadata.stdout + sameMetadata.stderr).toContain(`Failed to acquire lock on ${join(metadataLogDir, '.kraft.lock')}: another process is using`);

    // Its own metadata dir (formatted alike), the first node's log dir.
    const otherMetadata = join(running().dataDir, 'other-metadata');
    mkdirSync(otherMetadata);
    copyFileSync(join(metadataLogDir, 'meta.properties'), join(otherMetadata, 'meta.properties'));
    const sameLogs = await secondNode('same-logs', { logDir: running().logDir, metadataLogDir: otherMetadata });
    expect(sameLogs.code).not.toBe(0);
    expect(sameLogs.stdout + sameLogs.stderr).toContain(`Failed to acquire lock on ${join(running().logDir, '.lock')}: another process is using`);
  });

  it.skipIf(!requireKcat())('restarts at once after kill -9, even when the old lock file names a live process', async () => {
    const topic = 'locked';
    await running().createTopic(topic, 1);
    expect((await runKcat(['-b', running().bootstrap, '-P', '-t', topic], 'before-crash\n')).code).toBe(0);
    await running().kill();
    // A PID file would be refused: the pid it holds (reused here by this test runner) is alive.
    const lockFile = join(running().dataDir, 'metadata', '.kraft.lock');
    writeFileSync(lockFile, String(process.pid));
    await running().restart();
    const consumed = await runKcat(['-b', running().bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout.toString()).toBe('before-crash\n');
  });

  it('says so when the lock helper is killed from outside', async () => {
    const pid = running().process().process.pid!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const helper = children.find((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('.kraft.lock'));
    expect(helper).toBeDefined();
    process.kill(helper!, 'SIGKILL');
    await expect.poll(() => running().output()).toMatch(/\.kraft\.lock exited \(SIGKILL\); .* is no longer locked/);
  });
});
