import type { QuorumState } from './raft-ready.js';
import { QuorumConfigError } from './quorum-voters.js';

/**
 * The `quorum-state` file as Kafka writes it: QuorumStateData as JSON with a `data_version`.
 * Version 0 (static voters) is written; versions 0 and 1 are read.
 */
export function encodeQuorumStateFile(state: QuorumState, voters: readonly number[]): string {
  return JSON.stringify({
    clusterId: '',
    leaderId: state.leaderId,
    leaderEpoch: state.epoch,
    votedId: state.votedId,
    appliedOffset: 0,
    currentVoters: voters.map((voterId) => ({ voterId })),
    data_version: 0,
  });
}

export function decodeQuorumStateFile(text: string): QuorumState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new QuorumConfigError('quorum-state is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new QuorumConfigError('quorum-state is not a JSON object');
  const data = parsed as Record<string, unknown>;
  if (data['data_version'] !== 0 && data['data_version'] !== 1) throw new QuorumConfigError(`quorum-state has unsupported data_version ${String(data['data_version'])}`);
  const int = (name: string): number => {
    const value = data[name] ?? -1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value > 0x7fffffff) throw new QuorumConfigError(`quorum-state field ${name} is not an int32 >= -1`);
    return value;
  };
  const epoch = int('leaderEpoch');
  return { epoch: Math.max(0, epoch), leaderId: int('leaderId'), votedId: int('votedId') };
}
