import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kcatPath, requireKcat } from '../test/support/kcat.js';
import { freePort, runFreshet, startFreshet, type RunningFreshet } from './testing/freshet-process.js';

const running: RunningFreshet[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop('SIGKILL')));
});

interface Node {
  dir: string;
  config: string;
  port: number;
  metricsPort: number;
}

async function singleNode(extra = ''): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-cli-'));
  const [port, controllerPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'controller.listener.names=CONTROLLER',
      `log.dirs=${join(dir, 'data')}`,
      `metrics.port=${metricsPort}`,
      extra,
    ].join('\n'),
  );
  return { dir, config, port, metricsPort };
}

function start(args: string[]): RunningFreshet {
  const node = startFreshet(args);
  running.push(node);
  return node;
}

/** kcat is how a user checks a broker; without it the check says why it did not run, and CI must have it. */
const hasKcat = requireKcat();

describe('freshet storage', () => {
  it('random-uuid prints a new 22-character Kafka Uuid each time', async () => {
    const [a, b] = await Promise.all([runFreshet(['storage', 'random-uuid']), runFreshet(['storage', 'random-uuid'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}\n$/);
    expect(b.stdout).not.toBe(a.stdout);
  });

  it('format writes meta.properties, refuses to format twice, and skips formatted dirs with --ignore-formatted', async () => {
    const node = await singleNode();
    const clusterId = 'MkU3OEVBNTcwNTJENDM2Qg';
    const first = await runFreshet(['storage', 'format', '-t', clusterId, '-c', node.config]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`Formatting ${join(node.dir, 'data')} with cluster.id ${clusterId}`);
    const meta = readFileSync(join(node.dir, 'data', 'meta.properties'), 'utf8');
    expect(meta).toMatch(/^cluster.id=MkU3OEVBNTcwNTJENDM2Qg$/m);
    expect(meta).toMatch(/^node.id=1$/m);
    expect(meta).toMatch(/^version=1$/m);

    const again = await runFreshet(['storage', 'format', '-t', 'AAAAAAAAAAAAAAAAAAAAAA', '-c', node.config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `ERROR Log directory ${join(node.dir, 'data')} is already formatted. Use --ignore-formatted to ignore this directory and format the others.\n`,
    );
    expect(readFileSync(join(node.dir, 'data', 'meta.properties'), 'utf8')).toBe(meta);

    const ignored = await runFreshet(['storage', 'format', '-t', clusterId, '-c', node.config, '--ignore-formatted']);
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toContain('Skipping already formatted');
  });

  it('format without a cluster id explains what is missing', async () => {
    const result = await runFreshet(['storage', 'format', '-c', 'config/server.properties']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '-t, --cluster-id <uuid>' not specified");
  });
});

describe('freshet server-start', () => {
  it('refuses to start on unformatted storage, telling the user to format it', async () => {
    const node = await singleNode();
    const result = await runFreshet(['server-start', node.config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ERROR No meta.properties found in ${join(node.dir, 'data')}`);
    expect(result.stderr).toContain('freshet storage format');
  });

  it('refuses an invalid value naming the key and the value, and warns about unknown keys', async () => {
    const node = await singleNode('num.io.threads=zero\nno.such.key=1');
    const result = await runFreshet(['server-start', node.config, '--format-if-needed']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR Invalid value "zero" for configuration num.io.threads');
    const unknownOnly = await singleNode('no.such.key=1');
    const node2 = start(['server-start', unknownOnly.config, '--format-if-needed']);
    await node2.waitForLine(/started/);
    expect(node2.output()).toContain('WARN Unknown configuration no.such.key is ignored');
  });

  it('formats on first start, answers ApiVersions and /metrics, stops on SIGTERM, and keeps its cluster id', async () => {
    const node = await singleNode();
    const first = start(['server-start', node.config, '--format-if-needed']);
    const [, clusterId] = await first.waitForLine(/Formatted .* with cluster.id ([A-Za-z0-9_-]{22})/);
    await first.waitForLine(/Freshet node 1 started/);
    expect(first.output()).toContain(`Listening on PLAINTEXT://127.0.0.1:${node.port}`);
    // It says which Node it runs on: the one running the tests (npm's pinned one, under npm test).
    expect(first.output()).toContain(`Freshet starting on Node ${process.version}`);

    if (hasKcat) {
      const debug = await new Promise<string>((resolve) => {
        execFile(kcatPath!, ['-b', `127.0.0.1:${node.port}`, '-L', '-m', '2', '-d', 'protocol'], (_error, stdout, stderr) =>
          resolve(stdout + stderr),
        );
      });
      // librdkafka logs the ApiVersions answer it got before moving on to Metadata (not served yet).
      expect(debug).toMatch(/Received ApiVersionResponse \(v\d, \d+ bytes, CorrId 1/);
      expect(debug).not.toMatch(/ApiVersionRequest failed/);
    }

    const metrics = await (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE freshet_network_active_connections gauge$/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    if (hasKcat) expect(metrics).toMatch(/^freshet_network_requests_total\{api="ApiVersions"\} [1-9]/m);
    expect((await fetch(`http://127.0.0.1:${node.metricsPort}/other`)).status).toBe(404);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('Freshet node 1 shut down');

    const second = start(['server-start', node.config]);
    await second.waitForLine(new RegExp(`started \\(cluster id ${clusterId}`));
    expect(second.output()).not.toContain('Formatted');
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('reports a port that is already taken and exits', async () => {
    const node = await singleNode();
    const first = start(['server-start', node.config, '--format-if-needed']);
    await first.waitForLine(/started/);
    // Its own data dir: the same one would be refused first, as locked by the running node.
    const second = await runFreshet(['server-start', node.config, '--override', `log.dirs=${join(node.dir, 'second')}`, '--format-if-needed']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`ERROR Cannot listen on PLAINTEXT://127.0.0.1:${node.port}: address already in use\n`);
  });
});
