/** One entry of `controller.quorum.voters`: `id@host:port`. */
export interface QuorumVoter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** A configuration or file the quorum cannot use, said plainly for the operator. */
export class QuorumConfigError extends Error {
  override readonly name = 'QuorumConfigError';
}

/** Parses `controller.quorum.voters` (e.g. `1@localhost:9093,2@[::1]:9093`). */
export function parseQuorumVoters(value: string): QuorumVoter[] {
  const voters: QuorumVoter[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^(\d+)@(\[[^\]]+\]|[^:@\s]+):(\d+)$/.exec(item);
    if (match === null) throw new QuorumConfigError(`controller.quorum.voters: '${item}' is not id@host:port`);
    const id = Number(match[1]);
    const port = Number(match[3]);
    if (id > 0x7fffffff) throw new QuorumConfigError(`controller.quorum.voters: node id ${match[1]} is out of range`);
    if (port < 1 || port > 65535) throw new QuorumConfigError(`controller.quorum.voters: port ${match[3]} is out of range`);
    if (voters.some((v) => v.id === id)) throw new QuorumConfigError(`controller.quorum.voters: node id ${id} appears twice`);
    voters.push({ id, host: match[2]!.replace(/^\[(.*)\]$/, '$1'), port });
  }
  if (voters.length === 0) throw new QuorumConfigError('controller.quorum.voters is empty');
  return voters;
}
