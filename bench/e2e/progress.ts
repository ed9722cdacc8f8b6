/**
 * A one-line progress bar on stderr (cli-progress is not a dependency): what
 * runs now, how many steps are done, and the time left estimated from the
 * planned seconds of the steps still to run.
 */
export class ProgressBar {
  private done = 0;
  private doneSeconds = 0;
  private readonly startedMs = Date.now();
  private current = '';
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly total: number,
    private readonly plannedSeconds: number,
  ) {}

  start(label: string): void {
    this.current = label;
    this.render();
  }

  finish(plannedSecondsOfStep: number): void {
    this.done++;
    this.doneSeconds += plannedSecondsOfStep;
    this.render();
  }

  close(): void {
    if (this.tty) process.stderr.write('\n');
  }

  private render(): void {
    const width = 24;
    const filled = Math.round((width * this.done) / Math.max(1, this.total));
    const elapsedS = (Date.now() - this.startedMs) / 1000;
    // Scale the plan by how fast the finished steps actually went.
    const pace = this.doneSeconds > 0 ? elapsedS / this.doneSeconds : 1;
    const leftS = Math.max(0, (this.plannedSeconds - this.doneSeconds) * pace);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${formatSeconds(elapsedS)} elapsed, ~${formatSeconds(leftS)} left  ${this.current}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  }
}

function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
