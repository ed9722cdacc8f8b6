import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import { defaultControllerConfig, type ControllerState } from '../../core/raft/controller/controller-state.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { saltedPassword, scramCredential } from '../../core/security/sasl/scram.js';
import { alterUserScramCredentials } from './scram-control.js';

const salt = Buffer.from('0123456789abcdef');
const upsert = (name: string, mechanism = 1, iterations = 4096) => ({ name, mechanism, iterations, salt, saltedPassword: saltedPassword('SCRAM-SHA-256', 'secret', salt, iterations) });

function state(): ControllerState {
  return { config: { ...defaultControllerConfig, clusterId: 'c' }, image: new MetadataImage(), lastHeartbeatMs: new Map() };
}

describe('alterUserScramCredentials', () => {
  it('stores StoredKey and ServerKey, never the salted password, and removes credentials', () => {
    const s = state();
    const created = alterUserScramCredentials(s, { deletions: [], upsertions: [upsert('alice')] });
    expect(created.response.results).toEqual([{ user: 'alice', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(created.records).toEqual([
      { type: MetadataRecordType.UserScramCredentialRecord, value: { name: 'alice', mechanism: 1, ...scramCredential('SCRAM-SHA-256', upsert('alice').saltedPassword, salt, 4096) } },
    ]);
    for (const record of created.records) s.image.replay(record);
    const removed = alterUserScramCredentials(s, { deletions: [{ name: 'alice', mechanism: 1 }], upsertions: [] });
    expect(removed.records).toEqual([{ type: MetadataRecordType.RemoveUserScramCredentialRecord, value: { name: 'alice', mechanism: 1 } }]);
  });

  it('answers each user with Kafka\'s error and writes nothing for a refused one', () => {
    const result = alterUserScramCredentials(state(), {
      deletions: [{ name: 'ghost', mechanism: 1 }, { name: 'twice', mechanism: 1 }],
      upsertions: [upsert('twice'), upsert(''), upsert('md5', 9), upsert('few', 1, 1000), upsert('many', 1, 20000)],
    });
    expect(result.records).toEqual([]);
    expect(result.response.results.map((r) => [r.user, r.errorCode, r.errorMessage])).toEqual([
      ['ghost', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      ['twice', ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
      ['', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      ['md5', ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      ['few', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
      ['many', ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
    ]);
  });
});
