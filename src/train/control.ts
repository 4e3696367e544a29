/**
 * Pause / resume / stop for a running training, shared between the UI (or the CLI's signal handler)
 * and the loop, which checks it between batches.
 */
export class TrainControl {
  private pausedFlag = false;
  private stoppedFlag = false;
  private waiters: Array<() => void> = [];

  get paused(): boolean { return this.pausedFlag; }
  get stopped(): boolean { return this.stoppedFlag; }

  pause(): void { this.pausedFlag = true; }

  resume(): void {
    this.pausedFlag = false;
    this.release();
  }

  /** Ends training after the current batch; the checkpoint of the last finished epoch is kept. */
  stop(): void {
    this.stoppedFlag = true;
    this.release();
  }

  /** Resolves at once unless paused; then when resumed or stopped. */
  async waitIfPaused(): Promise<void> {
    while (this.pausedFlag && !this.stoppedFlag) await new Promise<void>((r) => this.waiters.push(r));
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
