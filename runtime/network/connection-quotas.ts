import { ConfigError } from '../config/config-definition.js';

export interface ConnectionQuotaConfig {
  /** max.connections, already capped by what the open-file limit leaves after the logs. */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides, by address as the socket reports it. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
}

/** Why a connection was refused, as the refused-connections metric labels it. */
export type ConnectionRefusal = 'max_connections' | 'max_connections_per_ip';

/**
 * Kafka's ConnectionQuotas: counts open connections in total and per client address and refuses
 * one beyond max.connections or its address's limit, so descriptors stay for the logs. Further
 * limits (connection creation rates, per-listener caps) belong here too.
 */
export class ConnectionQuotas {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(private readonly config: ConnectionQuotaConfig) {}

  /** Counts a new connection from `ip`, or says which limit refuses it (nothing is counted then). */
  tryAccept(ip: string): ConnectionRefusal | null {
    if (this.total >= this.config.maxConnections) return 'max_connections';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= (this.config.maxConnectionsPerIpOverrides.get(ip) ?? this.config.maxConnectionsPerIp)) return 'max_connections_per_ip';
    this.total++;
    this.perIp.set(ip, fromIp + 1);
    return null;
  }

  /** A counted connection closed. */
  release(ip: string): void {
    this.total--;
    const fromIp = (this.perIp.get(ip) ?? 1) - 1;
    if (fromIp === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, fromIp);
  }
}

/**
 * max.connections.per.ip.overrides: `host:count` pairs separated by commas (the count after the
 * last colon, so IPv6 addresses work). Hosts are matched as the socket reports the peer's address:
 * give IP addresses (`127.0.0.1`, `::1`), not names.
 */
export function parsePerIpOverrides(text: string): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const colon = entry.lastIndexOf(':');
    const count = Number(entry.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(count) || count < 0) {
      throw new ConfigError(`max.connections.per.ip.overrides: '${entry}' is not host:count`);
    }
    overrides.set(entry.slice(0, colon), count);
  }
  return overrides;
}
