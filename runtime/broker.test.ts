import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, frameBuffer } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { ApiVersionsResponse } from '../core/protocol/generated/messages/api-versions.js';
import { decodeResponse, encodeRequest } from '../core/protocol/request-frames.js';
import { Broker } from './broker.js';
import { loadBrokerConfig } from './config/broker-config.js';
import { createMemoryLogger } from './logger.js';
import { StorageError } from './storage/meta-properties.js';
import { formatStorage } from './storage/storage-format.js';

function config(overrides: Record<string, string> = {}) {
  return loadBrokerConfig({
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': '1@127.0.0.1:9093',
    listeners: 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'advertised.listeners': 'PLAINTEXT://127.0.0.1:0',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': join(mkdtempSync(join(tmpdir(), 'freshet-broker-')), 'data'),
    'metrics.port': '0',
    ...overrides,
  }).config;
}

async function apiVersionsOf(port: number): Promise<ApiVersionsResponse> {
  const socket = connect({ port, host: '127.0.0.1' });
  const request = encodeRequest(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 5, clientId: 'test' },
    { clientSoftwareName: 'test', clientSoftwareVersion: '1' },
  );
  socket.write(frameBuffer(request));
  const decoder = new FrameDecoder();
  const frame = await new Promise<Buffer>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const [first] = decoder.push(chunk);
      if (first !== undefined) resolve(first);
    });
  });
  socket.destroy();
  return decodeResponse(frame, ApiKey.ApiVersions, 3).body as ApiVersionsResponse;
}

describe('Broker', () => {
  it('refuses to start on unformatted storage', async () => {
    await expect(Broker.start({ config: config(), log: createMemoryLogger(), processMetrics: false })).rejects.toThrow(StorageError);
  });

  it('serves each plane its own handlers and advertises the ports it bound', async () => {
    const nodeConfig = config();
    formatStorage(nodeConfig, { clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' });
    const heartbeat = { apiKey: ApiKey.Heartbeat, name: 'Heartbeat', minVersion: 0, maxVersion: 4, handle: () => null };
    const broker = await Broker.start({
      config: nodeConfig,
      log: createMemoryLogger(),
      processMetrics: false,
      handlers: { broker: [heartbeat] },
    });
    try {
      expect(broker.clusterId).toBe('MkU3OEVBNTcwNTJENDM2Qg');
      expect(broker.metricsPort).toBeNull();
      const [plaintext, controller] = broker.endpoints;
      expect(plaintext?.listenerName).toBe('PLAINTEXT');
      expect(controller?.listenerName).toBe('CONTROLLER');
      expect(broker.advertisedListeners).toEqual([
        { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: plaintext!.port, securityProtocol: 'PLAINTEXT' },
      ]);
      expect((await apiVersionsOf(plaintext!.port)).apiKeys.map((k) => k.apiKey)).toEqual([ApiKey.Heartbeat, ApiKey.SaslHandshake, ApiKey.ApiVersions, ApiKey.SaslAuthenticate]);
      expect((await apiVersionsOf(controller!.port)).apiKeys.map((k) => k.apiKey)).toEqual([ApiKey.SaslHandshake, ApiKey.ApiVersions, ApiKey.SaslAuthenticate]);
    } finally {
      await broker.stop();
    }
    await expect(apiVersionsOf(broker.endpoints[0]!.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
