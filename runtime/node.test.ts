import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, frameBuffer } from '../core/protocol/frame.js';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { ApiVersionsResponse } from '../core/protocol/generated/messages/api-versions.js';
import { decodeResponse, encodeRequest } from '../core/protocol/request-frames.js';
import { loadBrokerConfig } from './config/broker-config.js';
import { createMemoryLogger } from './logger.js';
import { FreshetNode } from './node.js';
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

describe('FreshetNode', () => {
  it('refuses to start on unformatted storage', async () => {
    await expect(FreshetNode.start({ config: config(), log: createMemoryLogger(), processMetrics: false })).rejects.toThrow(StorageError);
  });

  it('serves each plane its own APIs, advertises the ports it bound, and releases everything on stop', async () => {
    const nodeConfig = config();
    formatStorage(nodeConfig, { clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' });
    const node = await FreshetNode.start({ config: nodeConfig, log: createMemoryLogger(), processMetrics: false });
    try {
      expect(node.clusterId).toBe('MkU3OEVBNTcwNTJENDM2Qg');
      expect(node.metricsPort).toBeNull();
      const [plaintext, controller] = node.endpoints;
      expect(plaintext?.listenerName).toBe('PLAINTEXT');
      expect(controller?.listenerName).toBe('CONTROLLER');
      expect(node.advertisedListeners).toEqual([
        { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: plaintext!.port, securityProtocol: 'PLAINTEXT' },
      ]);
      const brokerApis = (await apiVersionsOf(plaintext!.port)).apiKeys.map((k) => k.apiKey);
      const controllerApis = (await apiVersionsOf(controller!.port)).apiKeys.map((k) => k.apiKey);
      expect(brokerApis).toEqual(expect.arrayContaining([ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.JoinGroup, ApiKey.EndTxn, ApiKey.CreateTopics, ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]));
      expect(brokerApis).not.toContain(ApiKey.Vote);
      expect(brokerApis).not.toContain(ApiKey.BrokerRegistration);
      expect(controllerApis).toEqual(expect.arrayContaining([ApiKey.Vote, ApiKey.BrokerRegistration, ApiKey.CreateTopics, ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]));
      expect(controllerApis).not.toContain(ApiKey.Produce);
      expect(controllerApis).not.toContain(ApiKey.JoinGroup);
    } finally {
      await node.stop();
    }
    await expect(apiVersionsOf(node.endpoints[0]!.port)).rejects.toThrow(/ECONNREFUSED/);
    // The dir locks went with it: the same dirs start again in this process.
    const again = await FreshetNode.start({ config: nodeConfig, log: createMemoryLogger(), processMetrics: false });
    await again.stop();
  });
});
