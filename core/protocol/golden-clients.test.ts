import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from './generated/api-keys.js';
import { decodeRequest } from './request-frames.js';
import { CaptureServer } from './test-support/capture-server.js';
import { kcatPath, requireKcat } from '../../test/support/kcat.js';

const goldenDir = fileURLToPath(new URL('./testdata/golden/', import.meta.url));
const CLIENT_ID = 'freshet-golden';

/** Decoded frame as plain JSON (bigints and buffers spelled out) so fixtures can be diffed. */
function decodedJson(frame: Buffer): unknown {
  const decoded = decodeRequest(frame.subarray(4));
  return JSON.parse(
    JSON.stringify(decoded, (_key, value: unknown) => {
      if (typeof value === 'bigint') return `${value}n`;
      if (value !== null && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
        return `hex:${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
      }
      return value;
    }),
  );
}

/** With UPDATE_GOLDEN=1 the captured frames are written as the committed fixtures. */
function record(name: string, frame: Buffer): void {
  if (process.env.UPDATE_GOLDEN !== '1') return;
  mkdirSync(goldenDir, { recursive: true });
  writeFileSync(`${goldenDir}${name}.bin`, frame);
  writeFileSync(`${goldenDir}${name}.json`, `${JSON.stringify(decodedJson(frame), null, 2)}\n`);
}

describe('committed golden frames from real clients', () => {
  const names = readdirSync(goldenDir).filter((name) => name.endsWith('.bin'));

  it('exist for kcat, kafkajs and @platformatic/kafka', () => {
    expect(names.map((name) => name.split('-')[0]).filter((v, i, all) => all.indexOf(v) === i).sort()).toEqual(['kafkajs', 'kcat', 'platformatic']);
  });

  for (const name of names) {
    it(`${name} decodes to its recorded fields`, () => {
      const frame = readFileSync(`${goldenDir}${name}`);
      expect(frame.readInt32BE(0)).toBe(frame.length - 4);
      const expected = JSON.parse(readFileSync(`${goldenDir}${name.replace(/\.bin$/, '.json')}`, 'utf8')) as unknown;
      expect(decodedJson(frame)).toEqual(expected);
    });
  }
});

const hasKcat = requireKcat();
const kcatVersion = kcatPath === undefined ? undefined : spawnSync(kcatPath, ['-V'], { encoding: 'utf8' });
const librdkafka = /librdkafka (\d+\.\d+\.\d+)/.exec(`${kcatVersion?.stdout ?? ''}${kcatVersion?.stderr ?? ''}`)?.[1];

describe('requests captured live from real clients', () => {
  let server: CaptureServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.runIf(hasKcat)('kcat (librdkafka) opens with ApiVersions v3 naming itself, then asks for Metadata', async () => {
    server = new CaptureServer();
    const port = await server.listen();
    const kcat = spawn(kcatPath!, ['-b', `127.0.0.1:${port}`, '-L', '-m', '5', '-X', `client.id=${CLIENT_ID}`], { stdio: 'ignore' });
    try {
      await server.waitForFrames(2, 10_000);
    } finally {
      kcat.kill('SIGKILL');
    }
    const [apiVersions, metadata] = server.frames.map((frame) => decodeRequest(frame.subarray(4)));
    expect(apiVersions!.header).toMatchObject({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, clientId: CLIENT_ID });
    expect(apiVersions!.body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: librdkafka });
    expect(metadata!.header).toMatchObject({ requestApiKey: ApiKey.Metadata, clientId: CLIENT_ID });
    record('kcat-api-versions', server.frames[0]!);
    record('kcat-metadata', server.frames[1]!);
  });

  it('kafkajs opens with ApiVersions, then asks for Metadata', async () => {
    server = new CaptureServer();
    const port = await server.listen();
    const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000, requestTimeout: 2000 });
    const admin = kafka.admin();
    const listing = admin.connect().then(() => admin.listTopics()).catch(() => undefined);
    await server.waitForFrames(2, 10_000);
    const frames = [...server.frames];
    await server.close();
    server = undefined;
    await listing;
    await admin.disconnect().catch(() => undefined);
    const [apiVersions, metadata] = frames.map((frame) => decodeRequest(frame.subarray(4)));
    expect(apiVersions!.header).toMatchObject({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 2, clientId: CLIENT_ID });
    expect(metadata!.header).toMatchObject({ requestApiKey: ApiKey.Metadata, requestApiVersion: 6, clientId: CLIENT_ID });
    expect(metadata!.body).toMatchObject({ topics: null }); // listTopics asks for every topic
    record('kafkajs-api-versions', frames[0]!);
    record('kafkajs-metadata', frames[1]!);
  });

  it('@platformatic/kafka opens with ApiVersions v3 naming itself', async () => {
    server = new CaptureServer();
    const port = await server.listen();
    const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [`127.0.0.1:${port}`], retries: 0, timeout: 2000 });
    const listing = admin.listTopics().catch(() => undefined);
    await server.waitForFrames(1, 10_000);
    const frames = [...server.frames];
    await server.close();
    server = undefined;
    await admin.close().catch(() => undefined);
    await listing;
    const apiVersions = decodeRequest(frames[0]!.subarray(4));
    expect(apiVersions.header).toMatchObject({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, clientId: CLIENT_ID });
    expect(apiVersions.body).toEqual({ clientSoftwareName: 'platformatic-kafka', clientSoftwareVersion: '1.35.0' });
    record('platformatic-api-versions', frames[0]!);
  });
});
