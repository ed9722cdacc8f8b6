import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, type RequestHeader } from './headers.js';
import { apiCodecs, type ApiCodec } from './generated/index.js';
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

function codecOf(apiKey: number): ApiCodec {
  const codec = apiCodecs.get(apiKey);
  if (!codec) throw new ProtocolError(`unknown apiKey ${apiKey}`, 'RequestHeader.requestApiKey');
  return codec;
}

export interface DecodedRequest {
  header: RequestHeader;
  body: unknown;
}

/** Decodes a request frame body (without its size prefix): header, then the body of that apiKey and version. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  const header = decodeRequestHeader(r);
  const body = codecOf(header.requestApiKey).readRequest(r, header.requestApiVersion);
  return { header, body };
}

/** Header + body of a request, unframed (see frameChunks/frameBuffer). */
export function encodeRequest(header: RequestHeader, body: unknown, w = new Writer()): Writer {
  encodeRequestHeader(w, header);
  codecOf(header.requestApiKey).writeRequest(w, header.requestApiVersion, body);
  return w;
}

/** Header + body of the response to a request with this apiKey, apiVersion and correlationId, unframed. */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: unknown, w = new Writer()): Writer {
  encodeResponseHeader(w, apiKey, apiVersion, correlationId);
  codecOf(apiKey).writeResponse(w, apiVersion, body);
  return w;
}

export function decodeResponse(frame: Buffer, apiKey: number, apiVersion: number): { correlationId: number; body: unknown } {
  const r = new Reader(frame);
  const { correlationId } = decodeResponseHeader(r, apiKey, apiVersion);
  return { correlationId, body: codecOf(apiKey).readResponse(r, apiVersion) };
}
