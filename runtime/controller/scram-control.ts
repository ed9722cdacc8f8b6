import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import type {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
  AlterUserScramCredentialsResponseAlterUserScramCredentialsResult,
} from '../../core/protocol/generated/messages/alter-user-scram-credentials.js';
import type { ControllerResult, ControllerState } from '../../core/raft/controller/controller-state.js';
import type { MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { MAX_SCRAM_ITERATIONS, SCRAM_MECHANISMS, scramCredential, scramMechanismById } from '../../core/security/sasl/scram.js';

/**
 * AlterUserScramCredentials on the controller, as Kafka's ScramControlManager: the client sends
 * the salted password, the controller stores only StoredKey and ServerKey (UserScramCredentialRecord)
 * or removes a credential (RemoveUserScramCredentialRecord). Each user succeeds or fails as a whole;
 * a user named twice in one request is refused (DUPLICATE_RESOURCE).
 */
export function alterUserScramCredentials(state: ControllerState, request: AlterUserScramCredentialsRequest): ControllerResult<AlterUserScramCredentialsResponse> {
  const alterations = [
    ...request.deletions.map((d) => ({ kind: 'delete' as const, name: d.name, mechanism: d.mechanism, upsertion: null })),
    ...request.upsertions.map((u) => ({ kind: 'upsert' as const, name: u.name, mechanism: u.mechanism, upsertion: u })),
  ];
  const users = [...new Set(alterations.map((a) => a.name))];
  const records: MetadataRecord[] = [];
  const results = users.map((user): AlterUserScramCredentialsResponseAlterUserScramCredentialsResult => {
    const answer = (errorCode: number, errorMessage: string | null = null) => ({ user, errorCode, errorMessage });
    const mine = alterations.filter((a) => a.name === user);
    if (mine.length > 1) return answer(ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    const alteration = mine[0]!;
    if (user === '') return answer(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    const mechanism = scramMechanismById(alteration.mechanism);
    if (mechanism === undefined) return answer(ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    if (alteration.upsertion === null) {
      if (state.image.scramCredentials.get(user)?.has(alteration.mechanism) !== true) {
        return answer(ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      }
      records.push({ type: MetadataRecordType.RemoveUserScramCredentialRecord, value: { name: user, mechanism: alteration.mechanism } });
      return answer(ErrorCode.NONE);
    }
    const { iterations, salt, saltedPassword } = alteration.upsertion;
    if (iterations < SCRAM_MECHANISMS[mechanism].minIterations) return answer(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
    if (iterations > MAX_SCRAM_ITERATIONS) return answer(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
    if (salt.length === 0 || saltedPassword.length === 0) return answer(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
    const credential = scramCredential(mechanism, saltedPassword, salt, iterations);
    records.push({ type: MetadataRecordType.UserScramCredentialRecord, value: { name: user, mechanism: alteration.mechanism, ...credential } });
    return answer(ErrorCode.NONE);
  });
  return { records, response: { throttleTimeMs: 0, results } };
}
