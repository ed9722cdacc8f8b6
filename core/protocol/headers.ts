import { ApiKey, apiKeyInfo } from './generated/api-keys.js';
import { type RequestHeader, readRequestHeader, writeRequestHeader } from './generated/messages/request-header.js';
import { type ResponseHeader, readResponseHeader, writeResponseHeader } from './generated/messages/response-header.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export type { RequestHeader, ResponseHeader };

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const flexibleMin = apiKeyInfo(apiKey)?.flexibleMinVersion ?? null;
  return flexibleMin !== null && apiVersion >= flexibleMin;
}

/**
 * Request header v2 for flexible API versions, v1 otherwise, v0 only for
 * ControlledShutdown v0. An unknown apiKey reads as v1: its clientId is still
 * readable for the log line before the connection is closed.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/** Response header v1 for flexible API versions, except ApiVersions, whose response header is always v0 (KIP-511). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/** Reads a request header, choosing its version from the apiKey and apiVersion it starts with. */
export function decodeRequestHeader(r: Reader): RequestHeader {
  if (r.remaining >= 4) {
    const apiKey = r.buf.readInt16BE(r.position);
    const apiVersion = r.buf.readInt16BE(r.position + 2);
    return readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  }
  return readRequestHeader(r, 0); // too short: raises the ProtocolError naming the missing field
}

export function encodeRequestHeader(w: Writer, header: RequestHeader): void {
  writeRequestHeader(w, requestHeaderVersion(header.requestApiKey, header.requestApiVersion), header);
}

export function decodeResponseHeader(r: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  return readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
}

export function encodeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  writeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}
