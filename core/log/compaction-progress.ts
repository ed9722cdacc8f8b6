import { dirtySection, type CleanerRound, type LogCleaner } from './log-cleaner.js';
import type { PartitionLog } from './partition-log.js';

/**
 * Where a compacted log's dirty section starts (Kafka's
 * cleaner-offset-checkpoint entry for it) and the rounds that move it: a round
 * runs only when `dirtySection` says the log is due, and a truncation below
 * the first dirty offset moves it back to the new log end (Kafka's
 * LogCleanerManager.maybeTruncateCheckpoint), since the offsets past it will
 * hold new, uncleaned records.
 */
export class CompactionProgress {
  private firstDirty: bigint | undefined;
  private truncationsSeen: number | undefined;

  /** `firstDirtyOffset` from the checkpoint; absent while the log was never cleaned. */
  constructor(firstDirtyOffset: bigint | undefined) {
    this.firstDirty = firstDirtyOffset;
  }

  get firstDirtyOffset(): bigint | undefined {
    return this.firstDirty;
  }

  /** Pass as the log's `onCheckpointNeeded`: notices truncations as they happen. */
  onLogChanged(log: PartitionLog): void {
    const seen = this.truncationsSeen;
    this.truncationsSeen = log.truncationCount;
    if (seen === undefined || seen === log.truncationCount) return;
    if (this.firstDirty !== undefined && this.firstDirty > log.logEndOffset) this.firstDirty = log.logEndOffset;
  }

  /** One bounded round below `upTo` when the dirty section is due (Kafka's choice of a log to clean); null when it is not. */
  async cleanRound(cleaner: LogCleaner, log: PartitionLog, upTo: bigint, nowMs: number): Promise<CleanerRound | null> {
    this.truncationsSeen ??= log.truncationCount;
    const section = dirtySection(log, this.firstDirty, upTo, nowMs);
    if (!section.due) return null;
    const round = await cleaner.clean(log, upTo, section.firstDirtyOffset);
    // endOffset is null when the log was truncated under the round: the truncation already moved the offset.
    if (round.endOffset !== null) this.firstDirty = round.endOffset;
    return round;
  }
}
