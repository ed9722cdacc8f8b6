import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_REQUEST_BYTES, FrameDecoder, frameBuffer } from './frame.js';
import { ApiKey } from './generated/api-keys.js';
import { ErrorCode, errorCodes } from './generated/error-codes.js';
import { writeMetadataRequest } from './generated/messages/metadata.js';
import { decodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from './headers.js';
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './request-frames.js';
import { Writer } from './writer.js';

describe('header versions', () => {
  it('follow the API version flexibility, with Kafka exceptions', () => {
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 1)).toBe(1);
    expect(responseHeaderVersion(ApiKey.Fetch, 12)).toBe(1);
    expect(responseHeaderVersion(ApiKey.Fetch, 11)).toBe(0);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
  });

  it('keep the int16 clientId length even in request header v2', () => {
    const w = encodeRequest({ requestApiKey: ApiKey.Metadata, requestApiVersion: 12, correlationId: 7, clientId: 'c' }, { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    // apiKey 3, version 12, correlationId 7, clientId int16 1 'c', header tags 0, then the body.
    expect(w.toBuffer().toString('hex')).toBe('0003' + '000c' + '00000007' + '0001' + '63' + '00' + '00' + '01' + '00' + '00');
    const decoded = decodeRequest(w.toBuffer());
    expect(decoded.header).toEqual({ requestApiKey: 3, requestApiVersion: 12, correlationId: 7, clientId: 'c' });
  });

  it('put no tagged section after an ApiVersions response header, even at v3', () => {
    const w = encodeResponse(ApiKey.ApiVersions, 3, 9, { errorCode: 0, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false });
    expect(w.toBuffer().subarray(0, 6).toString('hex')).toBe('00000009' + '0000');
    expect(decodeResponse(w.toBuffer(), ApiKey.ApiVersions, 3).correlationId).toBe(9);
  });

  it('raise ProtocolError for an unknown apiKey and for a truncated header', () => {
    expect(() => decodeRequest(Buffer.from('7fff0000000000010000', 'hex'))).toThrow(ProtocolError);
    expect(() => decodeRequestHeader(new Reader(Buffer.from('0003', 'hex')))).toThrow(ProtocolError);
  });
});

describe('FrameDecoder', () => {
  const frame = (body: string): Buffer => {
    const w = new Writer();
    w.raw(Buffer.from(body));
    return frameBuffer(w);
  };

  it('splits frames however the stream is cut, without losing or repeating bytes', () => {
    const stream = Buffer.concat([frame('alpha'), frame(''), frame('gamma-gamma')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 3) {
        const decoder = new FrameDecoder();
        const out = [stream.subarray(0, cut), stream.subarray(cut, cut2), stream.subarray(cut2)].flatMap((c) => decoder.push(c));
        expect(out.map((b) => b.toString())).toEqual(['alpha', '', 'gamma-gamma']);
        expect(decoder.pendingBytes).toBe(0);
      }
    }
  });

  it('refuses a size above the limit as soon as the 4 size bytes arrive', () => {
    const decoder = new FrameDecoder(1024);
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025, 0);
    expect(() => decoder.push(size)).toThrow(ProtocolError);
    expect(() => new FrameDecoder().push(Buffer.from('ffffffff', 'hex'))).toThrow(ProtocolError);
    expect(DEFAULT_MAX_REQUEST_BYTES).toBe(104857600);
  });
});

describe('error codes', () => {
  it('match Kafka numbering and retriability', () => {
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(errorCodes.get(6)?.retriable).toBe(true);
    expect(errorCodes.get(-1)).toEqual({ code: -1, name: 'UNKNOWN_SERVER_ERROR', retriable: false });
  });
});

describe('versions without a field', () => {
  it('refuse to drop a non-default value that is not ignorable', () => {
    // MetadataRequest.allowAutoTopicCreation exists from v4 and is not ignorable.
    expect(() => writeMetadataRequest(new Writer(), 3, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).toThrow(ProtocolError);
  });
});
