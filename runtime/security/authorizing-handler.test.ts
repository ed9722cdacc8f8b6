import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../core/protocol/generated/api-keys.js';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { defaultProduceResponsePartitionProduceResponse, type ProduceRequest, type ProduceResponse } from '../../core/protocol/generated/messages/produce.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../core/security/acl.js';
import { userPrincipal } from '../../core/security/kafka-principal.js';
import type { ApiHandler, RequestContext } from '../handlers/registry.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { BROKER_RULES, CONTROLLER_RULES } from './api-authorization-rules.js';
import { authorizingHandler } from './authorizing-handler.js';
import { requestHost, RequestAuthorizer } from './request-authorizer.js';

const context: RequestContext = {
  connectionId: 'c1',
  listenerName: 'SASL_PLAINTEXT',
  clientAddress: '::ffff:10.1.2.3:50000',
  principal: userPrincipal('alice'),
  clientId: 'test',
  apiKey: ApiKey.Produce,
  apiVersion: 9,
  correlationId: 1,
};

/** A Produce handler that answers NONE for every partition it is given, and remembers what it was given. */
function recordingProduce(): ApiHandler<ProduceRequest, ProduceResponse> & { seen: string[][] } {
  const seen: string[][] = [];
  const answer = (request: ProduceRequest, errorCode: number): ProduceResponse => ({
    throttleTimeMs: 0,
    nodeEndpoints: [],
    responses: request.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => ({ ...defaultProduceResponsePartitionProduceResponse(), index: p.index, errorCode })) })),
  });
  return {
    apiKey: ApiKey.Produce,
    name: 'Produce',
    minVersion: 3,
    maxVersion: 11,
    seen,
    handle: (_context, request) => {
      seen.push(request.topicData.map((t) => t.name));
      return answer(request, ErrorCode.NONE);
    },
    errorResponse: answer,
  };
}

describe('the authorizer on the request path', () => {
  it('hands the handler only the topics the principal may write, answers the rest TOPIC_AUTHORIZATION_FAILED, and counts the denial', async () => {
    const image = new MetadataImage();
    image.replay({ type: MetadataRecordType.AccessControlEntryRecord, value: { id: 'AAAAAAAAAAAAAAAAAAAAAQ', resourceType: ResourceType.topic, resourceName: 'ok-', patternType: PatternType.prefixed, principal: 'User:alice', host: '10.1.2.3', operation: AclOperation.write, permissionType: AclPermissionType.allow } });
    const metrics = new BrokerMetrics({ processMetrics: false });
    const authorizer = new RequestAuthorizer({ superUsers: new Set(), allowEveryoneIfNoAclFound: false }, { image: () => image, onChange: () => () => {} }, metrics);
    const handler = recordingProduce();
    const guarded = authorizingHandler(handler, 'broker', authorizer);
    const request: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: ['ok-1', 'no', 'ok-2'].map((name) => ({ name, partitionData: [{ index: 0, records: null }] })) };
    const response = (await guarded.handle(context, request))!;
    expect(handler.seen).toEqual([['ok-1', 'ok-2']]);
    expect(response.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode])).toEqual([
      ['ok-1', ErrorCode.NONE],
      ['ok-2', ErrorCode.NONE],
      ['no', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('freshet_authorization_denials_total')).toContain('freshet_authorization_denials_total{api="Produce"} 1');
    // From another host the prefixed ACL does not apply.
    const elsewhere = await guarded.handle({ ...context, clientAddress: '10.9.9.9:1' }, request);
    expect(elsewhere!.responses.every((t) => t.partitionResponses[0]!.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED)).toBe(true);
    expect(handler.seen).toHaveLength(1);
  });

  it('names ACL hosts as Kafka prints client addresses', () => {
    expect(requestHost('127.0.0.1:5555')).toBe('127.0.0.1');
    expect(requestHost('::ffff:10.1.2.3:5555')).toBe('10.1.2.3');
    expect(requestHost('::1:5555')).toBe('::1');
  });

  it('has a rule for every API a handler in runtime/handlers serves', () => {
    const dir = join(import.meta.dirname, '..', 'handlers');
    const served = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/apiKey: ApiKey\.(\w+)/g)) served.add(match[1]!);
    }
    expect(served.size).toBeGreaterThan(40);
    const missing = [...served].filter((name) => {
      const apiKey = ApiKey[name as keyof typeof ApiKey];
      return !BROKER_RULES.has(apiKey) && !CONTROLLER_RULES.has(apiKey);
    });
    expect(missing).toEqual([]);
  });
});
