import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { HandlerRegistry, type ApiHandler } from './registry.js';

const handler = (apiKey: number, name: string): ApiHandler => ({ apiKey, name, minVersion: 0, maxVersion: 1, handle: () => null });

describe('HandlerRegistry', () => {
  it('refuses a second handler for an apiKey instead of letting one list win silently', () => {
    const registry = new HandlerRegistry().register(handler(ApiKey.Heartbeat, 'Heartbeat'));
    expect(() => registry.register(handler(ApiKey.Heartbeat, 'Heartbeat'))).toThrow(/apiKey 12 \(Heartbeat\) is already handled by Heartbeat/);
  });

  it("refuses a handler registered under another API's key, whose requests it would be given", () => {
    expect(() => new HandlerRegistry().register(handler(ApiKey.SaslHandshake, 'SaslAuthenticate'))).toThrow(/SaslAuthenticate: apiKey 17 is SaslHandshake/);
  });

  it('lists what it serves for ApiVersions by apiKey', () => {
    const registry = new HandlerRegistry().register(handler(ApiKey.Heartbeat, 'Heartbeat')).register(handler(ApiKey.Produce, 'Produce'));
    expect(registry.apiVersions()).toEqual([
      { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 1 },
      { apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 1 },
    ]);
  });
});
