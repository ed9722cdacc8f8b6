/**
 * What the group handlers share: routing a writing request to its
 * coordinator and turning "not here" into the API's own error answer.
 */
import type { Reply } from '../../core/group/group-api.js';
import type { CoordinatorWrite } from './group-coordinator-actor.js';
import { CoordinatorUnavailableError, type GroupCoordinatorService } from './group-coordinator-service.js';

type ReplyOf<Api extends Reply['api']> = Extract<Reply, { api: Api }>['response'];

/**
 * Sends `call` to the coordinator of `groupId` and resolves with its answer,
 * or with `onError(code)` when the coordinator is not on this node (or moved
 * while the request waited): NOT_COORDINATOR makes the client look again.
 */
export async function writeToCoordinator<Api extends Reply['api'], R>(
  service: GroupCoordinatorService,
  groupId: string,
  call: CoordinatorWrite & { api: Api },
  onReply: (response: ReplyOf<Api>) => R,
  onError: (errorCode: number) => R,
): Promise<R> {
  try {
    const reply = await service.write(groupId, call);
    if (reply.api !== call.api) throw new Error(`${call.api} answered with a ${reply.api} reply`);
    return onReply(reply.response as ReplyOf<Api>);
  } catch (error) {
    if (error instanceof CoordinatorUnavailableError) return onError(error.errorCode);
    throw error;
  }
}

/** Kafka shows a member's host as Java's InetAddress.toString(): "/127.0.0.1". */
export function clientHost(context: { readonly clientAddress: string }): string {
  const at = context.clientAddress.lastIndexOf(':');
  return `/${at < 0 ? context.clientAddress : context.clientAddress.slice(0, at)}`;
}

/** The generated codecs write Buffers; the state machine keeps Uint8Arrays. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
