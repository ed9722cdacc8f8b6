import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaClientError } from '../../client/client-error.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import type { HttpRoute } from '../metrics/metrics-server.js';
import type { ConsoleData } from './console-data.js';
import type { ConsoleSeries } from './console-series.js';

export interface ConsoleRouteOptions {
  readonly data: ConsoleData;
  readonly series: ConsoleSeries;
  /** Why the write actions are refused (`console.read.only`, or ACLs the console cannot act under), or null when allowed. */
  readonly readOnly: string | null;
  readonly onError: (error: unknown) => void;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_MESSAGES = 500;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The console's files: `console/` beside `runtime/` in the sources, two levels further up from `dist/`. */
function consoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'console'), join(here, '..', '..', '..', 'console')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (found === undefined) throw new Error(`the console's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

const resolvePackage = createRequire(import.meta.url).resolve;

/** What `/assets/<name>` serves, and as which type. */
function assets(dir: string): ReadonlyMap<string, { path: string; type: string }> {
  return new Map([
    ['app.js', { path: join(dir, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['style.css', { path: join(dir, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['uplot.js', { path: resolvePackage('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['uplot.css', { path: resolvePackage('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}

/**
 * The web console on the metrics port: `/` the page, `/assets/*` its files,
 * `/api/*` JSON read through the admin API. Writes (POST) only when
 * `console.read.only=false`.
 */
export function consoleRoutes(options: ConsoleRouteOptions): HttpRoute {
  const dir = consoleDir();
  const files = assets(dir);
  const cache = new Map<string, Buffer>();
  const file = async (path: string): Promise<Buffer> => {
    let bytes = cache.get(path);
    if (bytes === undefined) cache.set(path, (bytes = await readFile(path)));
    return bytes;
  };

  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://console');
    const path = url.pathname;
    if (request.method === 'GET' && (path === '/' || path === '/index.html')) {
      void file(join(dir, 'index.html')).then((bytes) => send(response, 200, 'text/html; charset=utf-8', bytes), (error: unknown) => fail(response, error, options.onError));
      return true;
    }
    if (request.method === 'GET' && path.startsWith('/assets/')) {
      const asset = files.get(path.slice('/assets/'.length));
      if (asset === undefined) return false;
      void file(asset.path).then((bytes) => send(response, 200, asset.type, bytes), (error: unknown) => fail(response, error, options.onError));
      return true;
    }
    if (!path.startsWith('/api/')) return false;
    void answer(request, url, options).then(
      (body) => send(response, 200, 'application/json', Buffer.from(JSON.stringify(body))),
      (error: unknown) => fail(response, error, options.onError),
    );
    return true;
  };
}

async function answer(request: IncomingMessage, url: URL, options: ConsoleRouteOptions): Promise<unknown> {
  const { data, series } = options;
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  const [resource, name, sub, subName, leaf] = parts;
  if (request.method === 'POST') {
    if (options.readOnly !== null) throw new HttpError(403, options.readOnly);
    const body = await readJson(request);
    if (resource === 'topics' && parts.length === 1) {
      await data.createTopic(text(body.name, 'name'), integer(body.partitions ?? -1, 'partitions'), integer(body.replicationFactor ?? -1, 'replicationFactor'), (body.configs ?? {}) as Record<string, string>);
      return { created: body.name };
    }
    if (resource === 'topics' && sub === 'configs' && parts.length === 3) {
      await data.alterTopicConfig(name!, text(body.name, 'name'), body.value === null ? null : text(body.value, 'value'));
      return { altered: name };
    }
    if (resource === 'groups' && sub === 'reset-offsets' && parts.length === 3) {
      if (body.to !== 'earliest' && body.to !== 'latest') throw new HttpError(400, 'to must be earliest or latest');
      await data.resetGroupOffsets(name!, text(body.topic, 'topic'), body.to);
      return { reset: name };
    }
    throw new HttpError(404, `no action ${url.pathname}`);
  }
  if (request.method !== 'GET') throw new HttpError(405, `${request.method} is not allowed`);
  if (resource === 'settings') return { readOnly: options.readOnly !== null, why: options.readOnly };
  if (resource === 'cluster') return data.cluster();
  if (resource === 'series') return { samples: series.since(Math.min(15, Number(url.searchParams.get('minutes') ?? 15)) * 60_000) };
  if (resource === 'topics' && name === undefined) return data.topics();
  if (resource === 'topics' && sub === undefined) return data.topic(name!);
  if (resource === 'topics' && sub === 'partitions' && leaf === undefined) return data.partition(name!, integer(subName, 'partition'));
  if (resource === 'topics' && sub === 'partitions' && leaf === 'messages') {
    const query = url.searchParams;
    return data.messages({
      topic: name!,
      partition: integer(subName, 'partition'),
      ...(query.has('timestamp') ? { timestampMs: BigInt(integer(query.get('timestamp'), 'timestamp')) } : { offset: BigInt(integer(query.get('offset') ?? '0', 'offset')) }),
      maxRecords: Math.min(MAX_MESSAGES, integer(query.get('limit') ?? '50', 'limit')),
      maxBytes: Math.min(MAX_MESSAGE_BYTES, integer(query.get('maxBytes') ?? String(MAX_MESSAGE_BYTES), 'maxBytes')),
    });
  }
  if (resource === 'transactions' && name === undefined) return data.transactions();
  if (resource === 'access' && name === undefined) return data.access();
  if (resource === 'groups' && name === undefined) return data.groups();
  if (resource === 'groups' && sub === undefined) return data.group(name!);
  throw new HttpError(404, `no such view ${url.pathname}`);
}

function integer(value: unknown, what: string): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed)) throw new HttpError(400, `${what} must be an integer, not ${JSON.stringify(value)}`);
  return parsed;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `${what} must be a non-empty string`);
  return value;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'the body must be a JSON object');
  }
}

function send(response: ServerResponse, status: number, type: string, body: Buffer): void {
  response.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' }).end(body);
}

/** Kafka's errors keep their name (UNKNOWN_TOPIC_OR_PARTITION → 404); anything unexpected is logged and answered 500. */
function fail(response: ServerResponse, error: unknown, onError: (error: unknown) => void): void {
  let status = 500;
  let body: Record<string, unknown> = { error: String(error) };
  if (error instanceof HttpError) {
    status = error.status;
    body = { error: error.message };
  } else if (error instanceof KafkaClientError) {
    status = error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || error.errorCode === ErrorCode.GROUP_ID_NOT_FOUND ? 404 : 400;
    body = { error: error.message, kafkaError: error.errorName, code: error.errorCode };
  } else {
    onError(error);
  }
  if (!response.headersSent) send(response, status, 'application/json', Buffer.from(JSON.stringify(body)));
}
