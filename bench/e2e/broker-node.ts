import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startFreshet, type RunningFreshet } from '../../cli/testing/freshet-process.js';
import { propertiesText, singleNodeProperties } from '../../cli/testing/single-node-properties.js';

/** A Freshet node run as a user runs it (`freshet server-start`), for benchmarks and load tests. */
export interface BrokerNode {
  readonly bootstrap: string;
  readonly logDir: string;
  readonly running: RunningFreshet;
  /** SIGKILL, then the same command again on the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface BrokerNodeOptions {
  /** The user's server.properties; default: a single combined node on free ports with a temp data dir. */
  config?: string;
  /** log.dirs of the generated config (default: `data` in its temp dir). */
  logDir?: string;
  /** Extra `key=value` lines for the generated config. */
  properties?: string[];
  /** Directory for `--cpu-prof` output; the profile is written when the node stops cleanly. */
  cpuProfileDir?: string;
  startTimeoutMs?: number;
}

const started = /Freshet node \d+ started/;

export async function startBrokerNode(options: BrokerNodeOptions = {}): Promise<BrokerNode> {
  let config = options.config === undefined ? undefined : resolve(options.config);
  let tempDir: string | undefined;
  if (config === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'freshet-e2e-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    config = join(tempDir, 'server.properties');
    writeFileSync(
      config,
      propertiesText({
        ...singleNodeProperties({
          port,
          controllerPort,
          logDir: options.logDir ?? join(tempDir, 'data'),
          // The metadata log stays off a deliberately small log dir (disk-quota fault).
          metadataLogDir: join(tempDir, 'metadata'),
        }),
        'metrics.port': 0,
      }) + (options.properties ?? []).map((line) => `${line}\n`).join(''),
    );
  }
  const properties = readFileSync(config, 'utf8');
  const value = (key: string): string | undefined => properties.match(new RegExp(`^\\s*${key.replaceAll('.', '\\.')}\\s*=\\s*(.*)$`, 'm'))?.[1]?.trim();
  const advertised = (value('advertised.listeners') ?? value('listeners') ?? '').match(/PLAINTEXT:\/\/([^,]+)/)?.[1];
  if (advertised === undefined) throw new Error(`${config}: no PLAINTEXT listener`);
  const logDir = resolve((value('log.dirs') ?? value('log.dir') ?? '/tmp/kraft-combined-logs').split(',')[0]!);

  const nodeArgs = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const launch = async (): Promise<RunningFreshet> => {
    const running = startFreshet(['server-start', config, '--format-if-needed'], undefined, nodeArgs);
    try {
      await running.waitForLine(started, options.startTimeoutMs ?? 30_000);
    } catch (error) {
      // A node too slow to start would otherwise be left running, writing to a dir about to be removed.
      await running.stop('SIGKILL');
      throw error;
    }
    return running;
  };

  let running = await launch();
  return {
    bootstrap: advertised,
    logDir,
    get running() {
      return running;
    },
    async restart() {
      await running.stop('SIGKILL');
      running = await launch();
    },
    async stop() {
      await running.stop('SIGTERM');
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
