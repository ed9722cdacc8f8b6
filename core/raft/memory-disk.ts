import type { Entry, Snapshot } from './raft-log.js';
import type { QuorumState, Ready } from './raft-ready.js';

/**
 * A node's disk for the in-thread harnesses (transcripts, simulation): only
 * what a Ready asked to persist is here, so a simulated crash loses the rest.
 */
export interface MemoryDisk {
  quorumState: QuorumState | undefined;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

export function emptyDisk(): MemoryDisk {
  return { quorumState: undefined, snapshot: undefined, entries: [] };
}

/** Applies a Ready's persistence part, in the order the contract states: snapshot or truncation, then entries. */
export function persistReady(disk: MemoryDisk, ready: Ready): void {
  if (ready.quorumState !== undefined) disk.quorumState = ready.quorumState;
  if (ready.log.snapshot !== undefined) {
    disk.snapshot = ready.log.snapshot;
    disk.entries = [];
  } else if (ready.log.truncateToOffset !== undefined) {
    const end = ready.log.truncateToOffset;
    disk.entries = disk.entries.filter((e) => e.offset < end);
  }
  disk.entries.push(...ready.log.entries);
}
