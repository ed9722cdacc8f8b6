/** Kafka's error codes (generated from Kafka's Errors list) and their names for transcripts and logs. */
import { ErrorCode, errorCodes } from '../protocol/generated/error-codes.js';

export { ErrorCode };

export function errorName(code: number): string {
  return errorCodes.get(code)?.name ?? `ERROR_${code}`;
}
