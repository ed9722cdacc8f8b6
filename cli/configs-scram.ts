import { randomBytes } from 'node:crypto';
import { ApiKey } from '../core/protocol/generated/api-keys.js';
import type { AlterUserScramCredentialsResponse } from '../core/protocol/generated/messages/alter-user-scram-credentials.js';
import type { DescribeUserScramCredentialsResponse } from '../core/protocol/generated/messages/describe-user-scram-credentials.js';
import { MAX_SCRAM_ITERATIONS, SCRAM_MECHANISMS, saltedPassword, scramCredential, scramMechanismById, type ScramMechanismName } from '../core/security/sasl/scram.js';
import { MetadataRecordType } from '../core/protocol/generated/metadata/index.js';
import type { MetadataRecord } from '../core/raft/metadata/metadata-record.js';
import { throwIfError } from '../client/client-error.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { parseKeyValues, ToolUsageError } from './kafka-tool.js';
import { splitConfigList, type ConfigsOptions } from './configs-command.js';

/** kafka-configs' default when `iterations=` is not given. */
const DEFAULT_ITERATIONS = 4096;

const isScramKey = (key: string): key is ScramMechanismName => key in SCRAM_MECHANISMS;

/** Whether `freshet configs` is about users' SCRAM credentials (the keys are SCRAM mechanisms, or a users describe). */
export function isScramConfigs(options: ConfigsOptions): boolean {
  if (options.entityType !== 'users') return false;
  if (options.describe === true) return true;
  const added = [...parseKeyValues(splitConfigList((options.addConfig ?? []).join(',')), '--add-config').keys()];
  const deleted = splitConfigList((options.deleteConfig ?? []).join(','));
  return [...added, ...deleted].length > 0 && [...added, ...deleted].every(isScramKey);
}

/**
 * One `storage format --add-scram` argument, as kafka-storage takes it:
 * `SCRAM-SHA-256=[name=alice,password=alice-secret]` (optionally `iterations=8192`), as the
 * UserScramCredentialRecord the first controller appends.
 */
export function addScramRecord(text: string): MetadataRecord {
  const equals = text.indexOf('=');
  const mechanism = text.slice(0, equals);
  if (equals <= 0 || !isScramKey(mechanism)) throw new ToolUsageError(`--add-scram ${text}: expected SCRAM-SHA-256=[name=…,password=…] or SCRAM-SHA-512=[…]`);
  const settings = parseKeyValues(splitConfigList(text.slice(equals + 1).replace(/^\[(.*)\]$/, '$1')), '--add-scram');
  const name = settings.get('name');
  const password = settings.get('password');
  if (name === undefined || name === '' || password === undefined) throw new ToolUsageError(`--add-scram ${mechanism} needs name=… and password=…`);
  const iterations = Number(settings.get('iterations') ?? DEFAULT_ITERATIONS);
  if (!Number.isInteger(iterations) || iterations < SCRAM_MECHANISMS[mechanism].minIterations || iterations > MAX_SCRAM_ITERATIONS) {
    throw new ToolUsageError(`--add-scram ${mechanism}: iterations must be between ${SCRAM_MECHANISMS[mechanism].minIterations} and ${MAX_SCRAM_ITERATIONS}`);
  }
  const salt = randomBytes(24);
  const credential = scramCredential(mechanism, saltedPassword(mechanism, password, salt, iterations), salt, iterations);
  return { type: MetadataRecordType.UserScramCredentialRecord, value: { name, mechanism: SCRAM_MECHANISMS[mechanism].id, ...credential } };
}

/**
 * `freshet configs --entity-type users` for SCRAM credentials, as kafka-configs:
 * `--add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'` salts and hashes the
 * password here (it never leaves this process) and sends AlterUserScramCredentials;
 * `--delete-config SCRAM-SHA-256` removes it; `--describe` lists mechanisms and iterations.
 */
export async function runScramConfigs(client: KafkaClient, options: ConfigsOptions): Promise<void> {
  const connection = await client.anyConnection();
  const user = options.entityName;
  if (options.describe === true) {
    const response = await connection.request<DescribeUserScramCredentialsResponse>(
      ApiKey.DescribeUserScramCredentials,
      { users: user === undefined ? null : [{ name: user }] },
      0,
    );
    throwIfError(response.errorCode, 'DescribeUserScramCredentials', response.errorMessage);
    for (const result of response.results) {
      throwIfError(result.errorCode, `user ${result.user}`, result.errorMessage);
      const credentials = result.credentialInfos.map((c) => `${scramMechanismById(c.mechanism) ?? `mechanism ${c.mechanism}`}=iterations=${c.iterations}`);
      process.stdout.write(`SCRAM credential configs for user-principal '${result.user}' are ${credentials.join(', ')}\n`);
    }
    return;
  }
  if (user === undefined) throw new ToolUsageError('--alter needs --entity-name for users');
  const added = parseKeyValues(splitConfigList((options.addConfig ?? []).join(',')), '--add-config');
  const upsertions = [...added].map(([mechanism, text]) => {
    const settings = parseKeyValues(splitConfigList(text.replace(/^\[(.*)\]$/, '$1')), mechanism);
    const password = settings.get('password');
    if (password === undefined) throw new ToolUsageError(`${mechanism} needs password=…, as ${mechanism}=[iterations=8192,password=alice-secret]`);
    const iterations = Number(settings.get('iterations') ?? DEFAULT_ITERATIONS);
    if (!Number.isInteger(iterations)) throw new ToolUsageError(`${mechanism}: iterations must be a whole number`);
    const name = mechanism as ScramMechanismName;
    const salt = randomBytes(24);
    return { name: user, mechanism: SCRAM_MECHANISMS[name].id, iterations, salt, saltedPassword: saltedPassword(name, password, salt, iterations) };
  });
  const deletions = splitConfigList((options.deleteConfig ?? []).join(',')).map((mechanism) => ({ name: user, mechanism: SCRAM_MECHANISMS[mechanism as ScramMechanismName].id }));
  // One mechanism per request: Kafka refuses two alterations of one user in a single request.
  for (const alteration of [...upsertions.map((u) => ({ upsertions: [u], deletions: [] })), ...deletions.map((d) => ({ upsertions: [], deletions: [d] }))]) {
    const response = await connection.request<AlterUserScramCredentialsResponse>(ApiKey.AlterUserScramCredentials, alteration, 0);
    for (const result of response.results) throwIfError(result.errorCode, `user ${result.user}`, result.errorMessage);
  }
  process.stdout.write(`Completed updating config for user ${user}.\n`);
}
