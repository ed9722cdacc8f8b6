import type { Entry, Snapshot } from '../../core/raft/raft-log.js';
import { MetadataImage } from '../../core/raft/metadata/metadata-image.js';
import { decodeMetadataRecord } from '../../core/raft/metadata/metadata-record.js';
import type { Logger } from '../logger.js';
import type { RaftStateMachine } from '../raft/raft-driver.js';

/**
 * The committed `__cluster_metadata` applied to a MetadataImage: what this node knows of the
 * cluster. Listeners hear about every applied batch; the controller reads the same image.
 */
export class MetadataFollower implements RaftStateMachine {
  private current = new MetadataImage();
  /** One past the offset of the last applied entry. */
  private appliedOffsetValue = 0;
  private readonly listeners = new Set<(image: MetadataImage) => void>();

  constructor(private readonly log: Logger) {}

  image(): MetadataImage {
    return this.current;
  }

  get appliedOffset(): number {
    return this.appliedOffsetValue;
  }

  onChange(listener: (image: MetadataImage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  loadSnapshot(snapshot: Snapshot): void {
    this.current = MetadataImage.fromSnapshot(snapshot.data);
    this.appliedOffsetValue = snapshot.id.endOffset;
    this.notify();
  }

  applyCommitted(entries: readonly Entry[]): void {
    for (const entry of entries) {
      try {
        this.current.replay(decodeMetadataRecord(entry.data));
      } catch (error) {
        // Every node replays the same log, so skipping keeps them identical; it is still a bug to report.
        this.log.error(`Skipping metadata record at offset ${entry.offset}: ${(error as Error).message}`);
      }
      this.appliedOffsetValue = entry.offset + 1;
    }
    this.notify();
  }

  snapshotData(): Uint8Array {
    return this.current.toSnapshot();
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (error) {
        this.log.error(`A metadata listener failed: ${(error as Error).message}`);
      }
    }
  }
}
