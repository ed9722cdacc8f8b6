import { ProtocolError } from '../../core/protocol/protocol-error.js';
import { readUnsignedVarint } from '../../core/protocol/varint.js';

/**
 * Kafka's request header: apiKey, apiVersion, correlationId (v0+), a nullable
 * int16-length clientId (v1+), then tagged fields (v2, for flexible request
 * versions). Unknown tags are skipped, as the protocol requires.
 */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** Where the request body starts in the frame. */
  readonly bodyOffset: number;
}

/** The fixed 8 bytes every header starts with; enough to route or refuse the request. */
export function peekRequestHeader(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } {
  if (frame.length < 8) throw new ProtocolError(`needs 8 bytes, ${frame.length} left`, 'RequestHeader');
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

export function readRequestHeader(frame: Buffer, flexible: boolean): RequestHeader {
  const { apiKey, apiVersion, correlationId } = peekRequestHeader(frame);
  if (frame.length < 10) throw new ProtocolError('truncated', 'RequestHeader.ClientId');
  const clientIdLength = frame.readInt16BE(8);
  let position = 10;
  let clientId: string | null = null;
  if (clientIdLength >= 0) {
    if (frame.length - position < clientIdLength) {
      throw new ProtocolError(`needs ${clientIdLength} bytes, ${frame.length - position} left`, 'RequestHeader.ClientId');
    }
    clientId = frame.toString('utf8', position, position + clientIdLength);
    position += clientIdLength;
  } else if (clientIdLength !== -1) {
    throw new ProtocolError(`invalid length ${clientIdLength}`, 'RequestHeader.ClientId');
  }
  if (flexible) {
    const cursor = { position };
    const count = readUnsignedVarint(frame, cursor);
    for (let i = 0; i < count; i++) {
      readUnsignedVarint(frame, cursor);
      const size = readUnsignedVarint(frame, cursor);
      if (frame.length - cursor.position < size) throw new ProtocolError('truncated tagged field', 'RequestHeader');
      cursor.position += size;
    }
    position = cursor.position;
  }
  return { apiKey, apiVersion, correlationId, clientId, bodyOffset: position };
}

/** Response header v0 (correlationId) or v1 (+ an empty tagged-field section), preceded by the frame size. */
export function responseFramePrefix(correlationId: number, flexibleHeader: boolean, bodyBytes: number): Buffer {
  const headerBytes = flexibleHeader ? 5 : 4;
  const prefix = Buffer.alloc(4 + headerBytes);
  prefix.writeInt32BE(headerBytes + bodyBytes, 0);
  prefix.writeInt32BE(correlationId, 4);
  return prefix;
}
