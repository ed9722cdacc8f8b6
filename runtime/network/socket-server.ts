import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { ANONYMOUS, type KafkaPrincipal } from '../../core/security/kafka-principal.js';
import type { Endpoint } from '../config/broker-config.js';
import type { Logger } from '../logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { Connection, type ConnectionLimits } from './connection.js';
import type { ConnectionQuotas } from './connection-quotas.js';
import type { ListenerSecurity } from './listener-security.js';
import type { ConnectionCreationRate } from './connection-creation-rate.js';
import { certificatePrincipal, type TlsListenerOptions } from './tls-listener.js';
import type { RequestDispatcher } from './request-dispatcher.js';

/** At most one log line per this interval about refused connections, with their count. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** A listener could not bind (port in use, address not local): an operator error, not a bug. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface BoundEndpoint {
  readonly listenerName: string;
  readonly host: string;
  /** The port actually bound (differs from the configured one when that was 0). */
  readonly port: number;
}

interface SocketServerOptions {
  readonly endpoints: readonly Endpoint[];
  readonly dispatcher: RequestDispatcher;
  readonly limits: ConnectionLimits;
  /** max.connections and the per-IP limits; absent on the controller plane, which the quorum needs. */
  readonly quotas?: ConnectionQuotas;
  readonly metrics: BrokerMetrics;
  readonly log: Logger;
  /** max.connection.creation.rate per listener (none: unlimited). */
  readonly creationRates?: ReadonlyMap<string, ConnectionCreationRate>;
  /** Each listener's security protocol and authentication; a listener absent here is PLAINTEXT. */
  readonly security?: ReadonlyMap<string, ListenerSecurity>;
}

/** One TCP listener per configured endpoint, all feeding the same dispatcher. */
export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly bound: BoundEndpoint[] = [];
  private readonly connections = new Set<Connection>();
  /** TCP connections of TLS listeners whose handshake is still running. */
  private readonly handshaking = new Set<Socket>();
  private nextConnectionIndex = 0;
  private readonly queuedResponseBytes = (): number => {
    let bytes = 0;
    for (const connection of this.connections) bytes += connection.queuedResponseBytes;
    return bytes;
  };
  /** Refusals not yet logged, so a flood of connections logs one line per interval. */
  private refusedSinceLog = 0;
  private lastRefusalLogMs = -Infinity;

  private readonly listenerConnections;
  private readonly tlsHandshakes;
  private readonly throttledConnections;

  private constructor(private readonly options: SocketServerOptions) {
    options.metrics.responseQueueSources.add(this.queuedResponseBytes);
    this.listenerConnections = options.metrics.gauge({
      name: 'freshet_network_listener_connections',
      help: 'Open connections per listener.',
      labelNames: ['listener'] as const,
    });
    this.throttledConnections = options.metrics.counter({
      name: 'freshet_network_throttled_connections_total',
      help: 'New connections held back by max.connection.creation.rate, per listener.',
      labelNames: ['listener'] as const,
    });
    this.tlsHandshakes = options.metrics.counter({
      name: 'freshet_network_tls_handshakes_total',
      help: 'TLS handshakes on SSL and SASL_SSL listeners by result (success, failure).',
      labelNames: ['listener', 'result'] as const,
    });
  }

  static async start(options: SocketServerOptions): Promise<SocketServer> {
    const socketServer = new SocketServer(options);
    try {
      for (const endpoint of options.endpoints) await socketServer.listen(endpoint);
    } catch (error) {
      await socketServer.close();
      throw error;
    }
    return socketServer;
  }

  get endpoints(): readonly BoundEndpoint[] {
    return this.bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, then lets every connection answer the requests it has
   * already read (up to `drainTimeoutMs`) before closing it.
   */
  async close(drainTimeoutMs = 0): Promise<void> {
    this.options.metrics.responseQueueSources.delete(this.queuedResponseBytes);
    const closed = this.servers.map((server) => new Promise((resolve) => server.close(resolve)));
    for (const socket of this.handshaking) socket.destroy();
    await Promise.all([...this.connections].map((connection) => connection.drain(drainTimeoutMs)));
    await Promise.all(closed);
  }

  private async listen(endpoint: Endpoint): Promise<void> {
    const tls = this.options.security?.get(endpoint.listenerName)?.tls;
    const tlsServer = tls === undefined ? undefined : this.tlsServer(endpoint.listenerName, tls);
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket, endpoint.listenerName, tlsServer));
    await listen(server, endpoint);
    this.servers.push(server);
    const port = (server.address() as AddressInfo).port;
    this.bound.push({ listenerName: endpoint.listenerName, host: endpoint.host, port });
    this.options.log.info(`Listening on ${endpoint.listenerName}://${endpoint.host}:${port}`);
  }

  /**
   * The TLS side of a listener: not listening itself, it is handed each accepted TCP
   * connection (after the connection limits), and opens a Connection once the handshake is done.
   */
  private tlsServer(listenerName: string, options: TlsListenerOptions): TlsServer {
    const server = createTlsServer({ ...options.tls, handshakeTimeout: this.options.limits.authenticationTimeoutMs }, (socket: TLSSocket) => {
      // As Java's wantClientAuth: no certificate is fine, an untrusted one fails the handshake.
      if (options.clientAuth === 'requested' && !socket.authorized && socket.getPeerX509Certificate() !== undefined) {
        this.tlsHandshakes.inc({ listener: listenerName, result: 'failure' });
        this.options.log.info(`Failed authentication with ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} (SSL handshake failed: ${socket.authorizationError ?? 'untrusted client certificate'})`);
        this.endHandshake(socket, true);
        return;
      }
      this.tlsHandshakes.inc({ listener: listenerName, result: 'success' });
      this.endHandshake(socket, false);
      this.open(socket, listenerName, certificatePrincipal(socket));
    });
    server.on('tlsClientError', (error, socket) => {
      this.tlsHandshakes.inc({ listener: listenerName, result: 'failure' });
      this.options.log.info(`Failed authentication with ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} (SSL handshake failed: ${error.message})`);
      this.endHandshake(socket, true);
    });
    return server;
  }

  /**
   * A TLS socket's TCP connection (found by the peer's address and port) leaves the handshakes
   * to abort on close; after a failed handshake it is closed too, which node leaves open.
   */
  private endHandshake(socket: TLSSocket, failed: boolean): void {
    for (const raw of this.handshaking) {
      if (raw.remotePort !== socket.remotePort || raw.remoteAddress !== socket.remoteAddress) continue;
      this.handshaking.delete(raw);
      if (failed) raw.destroy();
    }
    if (failed) socket.destroy();
  }

  private accept(socket: Socket, listenerName: string, tlsServer: TlsServer | undefined): void {
    const { quotas, metrics } = this.options;
    // IPv4 peers of a dual-stack listener appear as ::ffff:a.b.c.d; the per-IP limits name a.b.c.d.
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (quotas !== undefined) {
      const refusal = quotas.tryAccept(ip);
      if (refusal !== null) {
        metrics.refusedConnectionsTotal.inc({ reason: refusal });
        this.logRefusal(ip, refusal);
        socket.destroy();
        return;
      }
      socket.once('close', () => quotas.release(ip));
    }
    const delayMs = this.options.creationRates?.get(listenerName)?.delayMs(Date.now()) ?? 0;
    if (delayMs > 0) {
      // Held, unread, until the listener's creation rate allows it (Kafka's acceptor throttles the same way).
      this.throttledConnections.inc({ listener: listenerName });
      socket.pause();
      const timer = setTimeout(() => this.admit(socket, listenerName, tlsServer), delayMs);
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    this.admit(socket, listenerName, tlsServer);
  }

  private admit(socket: Socket, listenerName: string, tlsServer: TlsServer | undefined): void {
    if (socket.destroyed) return;
    // Only a held socket was paused; its reader attaches below, in this same tick.
    if (socket.isPaused()) socket.resume();
    if (tlsServer !== undefined) {
      this.handshaking.add(socket);
      socket.once('close', () => this.handshaking.delete(socket));
      tlsServer.emit('connection', socket);
      return;
    }
    this.open(socket, listenerName, ANONYMOUS);
  }

  /** A connection ready for requests: a TCP one, or a TLS one after its handshake. */
  private open(socket: Socket, listenerName: string, principal: KafkaPrincipal): void {
    const { dispatcher, limits, metrics, log } = this.options;
    const clientAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const connectionId = `${socket.localAddress ?? '?'}:${socket.localPort ?? '?'}-${clientAddress}-${this.nextConnectionIndex++}`;
    const authenticator = this.options.security?.get(listenerName)?.newAuthenticator?.();
    const info = { connectionId, listenerName, clientAddress, principal };
    const connection = new Connection(socket, info, dispatcher, limits, metrics, log, authenticator);
    this.connections.add(connection);
    metrics.activeConnections.inc();
    const perListener = this.listenerConnections.labels({ listener: listenerName });
    perListener.inc();
    socket.once('close', () => {
      this.connections.delete(connection);
      metrics.activeConnections.dec();
      perListener.dec();
    });
  }

  private logRefusal(ip: string, refusal: string): void {
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastRefusalLogMs < REFUSAL_LOG_INTERVAL_MS) return;
    const limit = refusal === 'max_connections' ? 'max.connections' : 'max.connections.per.ip';
    this.options.log.warn(`Refused ${this.refusedSinceLog} connection(s), the last from ${ip}: ${limit} reached`);
    this.refusedSinceLog = 0;
    this.lastRefusalLogMs = now;
  }
}

function listen(server: Server, endpoint: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${endpoint.listenerName}://${endpoint.host}:${endpoint.port}`;
      reject(new ListenError(`Cannot listen on ${where}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`));
    });
    // An empty host binds every interface, as Kafka's `PLAINTEXT://:9092` does.
    server.listen({ port: endpoint.port, host: endpoint.host === '' ? undefined : endpoint.host }, () => resolve());
  });
}
