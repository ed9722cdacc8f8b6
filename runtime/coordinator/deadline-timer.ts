import type { ActorContext } from '../../core/actors/actor.js';

/**
 * The one pending `{ op: 'tick' }` of a coordinator actor, aimed at its state
 * machine's next deadline: moved when that deadline moves and left alone when
 * it has not, so a busy coordinator does not reschedule on every message.
 */
export class DeadlineTimer {
  private timer: { id: number; deadlineMs: number } | null = null;

  /** Aims the tick at `deadlineMs`; null: no tick is due. */
  arm(ctx: ActorContext, deadlineMs: number | null): void {
    if (this.timer !== null && this.timer.deadlineMs === deadlineMs) return;
    this.cancel(ctx);
    if (deadlineMs === null) return;
    this.timer = { id: ctx.schedule(Math.max(0, deadlineMs - ctx.nowMs()), { op: 'tick' }), deadlineMs };
  }

  /** The tick was delivered: none is pending now. */
  fired(): void {
    this.timer = null;
  }

  cancel(ctx: ActorContext): void {
    if (this.timer !== null) ctx.cancel(this.timer.id);
    this.timer = null;
  }
}
