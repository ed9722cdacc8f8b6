import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../core/protocol/generated/metadata/index.js';
import type {
  AlterClientQuotasRequest,
  AlterClientQuotasResponse,
  AlterClientQuotasResponseEntryData,
} from '../../core/protocol/generated/messages/alter-client-quotas.js';
import type { ControllerResult, ControllerState } from '../../core/raft/controller/controller-state.js';
import { clientQuotaEntityKey } from '../../core/raft/metadata/metadata-image.js';
import type { MetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import { ClientQuotaEntityType, clientQuotaEntityProblem, clientQuotaValueProblem } from '../../core/security/client-quota-entity.js';

/**
 * AlterClientQuotas on the controller, as Kafka's ClientQuotaControlManager: each entry (entity)
 * on its own, all of its ops valid or none applied; refusals are INVALID_REQUEST with Kafka's
 * messages. A set writes a ClientQuotaRecord only when the value changes, a removal only when the
 * key is set; validateOnly writes nothing.
 */
export function alterClientQuotas(state: ControllerState, request: AlterClientQuotasRequest): ControllerResult<AlterClientQuotasResponse> {
  const records: MetadataRecord[] = [];
  const seen = new Set<string>();
  const entries = request.entries.map((entry): AlterClientQuotasResponseEntryData => {
    const answer = (errorCode: number, errorMessage: string | null = null): AlterClientQuotasResponseEntryData => ({ errorCode, errorMessage, entity: entry.entity.map((e) => ({ ...e })) });
    const entityProblem = clientQuotaEntityProblem(entry.entity);
    if (entityProblem !== undefined) return answer(ErrorCode.INVALID_REQUEST, entityProblem);
    const entityKey = clientQuotaEntityKey(entry.entity);
    const described = entry.entity.map((e) => `${e.entityType}=${e.entityName ?? '<default>'}`).join(', ');
    if (seen.has(entityKey)) return answer(ErrorCode.INVALID_REQUEST, `Ignoring duplicate entity ${described}`);
    seen.add(entityKey);
    const keys = entry.ops.map((op) => op.key);
    const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
    if (duplicate !== undefined) return answer(ErrorCode.INVALID_REQUEST, `Duplicate quota key ${duplicate} not updating quota for this entity ${described}`);
    const isIp = entry.entity.some((e) => e.entityType === ClientQuotaEntityType.ip);
    const current = state.image.clientQuotas.get(entityKey)?.quotas ?? new Map<string, number>();
    const changes: MetadataRecord[] = [];
    for (const op of entry.ops) {
      const entity = entry.entity.map((e) => ({ ...e }));
      if (op.remove) {
        if (current.has(op.key)) changes.push({ type: MetadataRecordType.ClientQuotaRecord, value: { entity, key: op.key, value: 0, remove: true } });
        continue;
      }
      const problem = clientQuotaValueProblem(isIp, op.key, op.value);
      if (problem !== undefined) return answer(ErrorCode.INVALID_REQUEST, problem);
      if (current.get(op.key) !== op.value) changes.push({ type: MetadataRecordType.ClientQuotaRecord, value: { entity, key: op.key, value: op.value, remove: false } });
    }
    if (!request.validateOnly) records.push(...changes);
    return answer(ErrorCode.NONE);
  });
  return { records, response: { throttleTimeMs: 0, entries } };
}
