import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerMetrics } from './broker-metrics.js';

/** Answers a request it recognises (true), or leaves it to the next route (false). */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface MetricsServer {
  readonly port: number;
  /** Serves more than /metrics on the same port (the console). */
  use(route: HttpRoute): void;
  close(): Promise<void>;
}

/** Serves `GET /metrics` in Prometheus text format, then the routes added with `use`; everything else is 404. */
export async function startMetricsServer(metrics: BrokerMetrics, host: string, port: number): Promise<MetricsServer> {
  const routes: HttpRoute[] = [];
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' && routes.some((route) => route(request, response))) return;
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try GET /metrics\n');
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    use: (route) => routes.push(route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
