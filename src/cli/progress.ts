/**
 * Training progress on the terminal. On a TTY: one status line redrawn in place (epoch, batch bar,
 * loss, items/s, ETA) with log lines printed above it. Elsewhere (CI, pipes, files): no control
 * characters, one plain progress line per finished epoch, beside the log lines.
 */
import type { TrainEvent } from '../train/events';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Redraw in place; default stream.isTTY. */
  tty?: boolean;
  /** Clock in ms (tests); default Date.now. */
  now?: () => number;
  /** Minimum ms between two redraws of the status line. */
  redrawMs?: number;
}

/** "45s", "3m05s", "1h02m": short enough for the status line. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A bar of `width` cells, `done/total` of them filled. */
export function bar(done: number, total: number, width: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(frac * width);
  return `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
}

export class TrainProgress {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private status = '';
  private shown = false;
  private lastDraw = 0;
  private epochs = 0;

  constructor(private readonly out: ProgressStream, options: ProgressOptions = {}) {
    this.tty = options.tty ?? Boolean(out.isTTY);
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
  }

  /** Prints a full line (log message) without breaking the status line. */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    if (this.status) this.draw(true);
  }

  onEvent(e: TrainEvent): void {
    switch (e.type) {
      case 'setup':
        this.setStatus(`${e.stage} ${e.done}/${e.total}`, e.done === e.total);
        break;
      case 'start':
        // Setup is over: its status would only be redrawn under the next log lines.
        this.epochs = e.epochs;
        this.finish();
        break;
      case 'batch': {
        const width = Math.max(10, Math.min(30, this.columns() - 70));
        this.setStatus(
          `Epoch ${e.epoch}/${this.epochs || '?'} [${bar(e.batch, e.batches, width)}] ${e.batch}/${e.batches} loss ${e.loss.toFixed(4)} ` +
            `${e.itemsPerSecond.toFixed(1)} img/s ETA ${formatDuration(e.etaSeconds)}`,
          e.batch === e.batches,
        );
        break;
      }
      case 'validation':
        this.setStatus(`Epoch ${e.epoch}/${this.epochs || '?'} validating ${e.batch}/${e.batches}`, e.batch === e.batches);
        break;
      case 'epoch':
        this.finish();
        if (!this.tty) {
          const pct = Math.round((100 * e.epoch) / e.epochs);
          this.out.write(`progress: epoch ${e.epoch}/${e.epochs} (${pct}%), ETA ${formatDuration(e.etaSeconds)}\n`);
        }
        break;
      case 'paused':
        this.setStatus('paused', true);
        break;
      case 'done':
        this.finish();
        break;
      default:
        break;
    }
  }

  /** Removes the status line (end of training, before the summary). */
  finish(): void {
    this.clear();
    this.status = '';
  }

  private setStatus(text: string, force: boolean): void {
    this.status = text;
    if (!this.tty) return;
    this.draw(force);
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const t = this.now();
    if (!force && this.shown && t - this.lastDraw < this.redrawMs) return;
    this.lastDraw = t;
    const cols = this.columns();
    const text = this.status.length > cols - 1 ? this.status.slice(0, cols - 1) : this.status;
    // \r to column 0, ESC[2K clears the line: no leftovers from a longer previous status.
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Terminal width; 80 when unknown (0 under `script` and some CI pseudo-terminals). */
  private columns(): number {
    return this.out.columns || 80;
  }

  private clear(): void {
    if (this.tty && this.shown) {
      this.out.write('\r\x1b[2K');
      this.shown = false;
    }
  }
}
