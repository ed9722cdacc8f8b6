import { ErrorCode } from '../../core/protocol/generated/error-codes.js';
import { DelayedOperationPurgatory } from '../purgatory/delayed-operation-purgatory.js';
import { partitionKey, type LocalPartition } from './local-partition.js';
import type { AppendOutcome } from './partition-appends.js';
import type { Scheduler } from './scheduler.js';

/**
 * The replica manager's two purgatories (Kafka's delayed produce and delayed
 * fetch), keyed by `topic-partition`, with one timer for the earliest
 * deadline over both.
 */
export class ReplicaPurgatories {
  readonly produce = new DelayedOperationPurgatory<string>('Produce');
  readonly fetch = new DelayedOperationPurgatory<string>('Fetch');
  private cancelTimer: (() => void) | null = null;
  private deadlineMs = Infinity;

  constructor(private readonly scheduler: Scheduler) {}

  /** Retries what waits on the partition: its high watermark moved, it was appended to, its leadership changed or it went away. */
  checkAndComplete(key: string): void {
    this.produce.checkAndComplete(key);
    this.fetch.checkAndComplete(key);
  }

  /**
   * Kafka's DelayedProduce for acks=-1: answers `outcome` once the high
   * watermark reaches `requiredOffset`, NOT_ENOUGH_REPLICAS_AFTER_APPEND when
   * the ISR shrank below min.insync.replicas meanwhile, NOT_LEADER_OR_FOLLOWER
   * when `stillLeads` stops holding, REQUEST_TIMED_OUT after `timeoutMs`.
   */
  waitForHighWatermark(local: LocalPartition, stillLeads: () => boolean, requiredOffset: bigint, timeoutMs: number, outcome: AppendOutcome): Promise<AppendOutcome> {
    const key = partitionKey(local.topic, local.partition);
    return new Promise((resolve) => {
      this.produce.tryCompleteElseWatch(
        {
          deadlineMs: this.scheduler.nowMs() + timeoutMs,
          tryComplete: () => {
            if (!stillLeads()) {
              resolve(appendError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'leadership moved while waiting for acks=-1'));
              return true;
            }
            if (BigInt(local.state.highWatermark) < requiredOffset) return false;
            // Kafka's checkEnoughReplicasReachOffset: the ISR shrank below min.insync.replicas while it waited.
            if (local.state.notEnoughReplicasAfterAppend) {
              resolve({ ...outcome, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, errorMessage: 'the ISR shrank below min.insync.replicas' });
              return true;
            }
            resolve(outcome);
            return true;
          },
          onExpiration: () => resolve({ ...outcome, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'the ISR did not reach the batch in time' }),
        },
        [key],
      );
      this.armTimer();
    });
  }

  /** Arms one timer for the earliest deadline over both purgatories. */
  armTimer(): void {
    const next = Math.min(this.produce.nextDeadlineMs() ?? Infinity, this.fetch.nextDeadlineMs() ?? Infinity);
    if (next === Infinity || next >= this.deadlineMs) return;
    this.cancelTimer?.();
    this.deadlineMs = next;
    this.cancelTimer = this.scheduler.after(Math.max(0, next - this.scheduler.nowMs()), () => {
      this.cancelTimer = null;
      this.deadlineMs = Infinity;
      const now = this.scheduler.nowMs();
      this.produce.expire(now);
      this.fetch.expire(now);
      this.armTimer();
    });
  }

  /** Answers everything waiting now, with what there is. */
  shutdown(): void {
    this.produce.shutdown();
    this.fetch.shutdown();
  }

  /** Shutdown for good: the timer goes too. */
  stop(): void {
    this.cancelTimer?.();
    this.shutdown();
  }
}

export function appendError(errorCode: number, errorMessage: string | null): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordCount: 0 };
}
