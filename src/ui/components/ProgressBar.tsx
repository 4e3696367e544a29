/** A labelled progress bar with count, percentage, elapsed time and an ETA extrapolated from the rate so far. */
import { useEffect, useState } from 'react';
import { estimateEta, formatDuration, percent } from './format';

export interface ProgressBarProps {
  label: string;
  /** Units done (e.g. batches, epochs). */
  value: number;
  /** Units in all. */
  max: number;
  /** Unit name shown after the count ("epochs"). */
  unit?: string;
  /** When the work started (ms since the epoch, Date.now()); no ETA without it. */
  startedAt?: number;
  /** Freeze the clock (paused runs). */
  paused?: boolean;
  /** When the work ended (ms since the epoch): elapsed time stops there. */
  endedAt?: number;
}

export function ProgressBar({ label, value, max, unit, startedAt, paused, endedAt }: ProgressBarProps) {
  // Tick once a second so elapsed time and ETA move between updates.
  const [, setTick] = useState(0);
  const done = value >= max;
  useEffect(() => {
    if (paused || startedAt == null || done || endedAt != null) return;
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [paused, startedAt, done, endedAt]);
  const now = endedAt ?? Date.now();
  const elapsed = startedAt != null ? Math.max(0, (now - startedAt) / 1000) : null;
  const eta = elapsed != null ? estimateEta(value, max, elapsed) : null;
  const pct = percent(value, max);
  return (
    <div className="progress" data-testid="progress" data-value={value} data-max={max}>
      <div className="progress-head">
        <span>{label}</span>
        <span className="muted">
          {value.toLocaleString('en')} / {max.toLocaleString('en')}
          {unit ? ` ${unit}` : ''} · {pct}%
          {elapsed != null && <> · elapsed {formatDuration(elapsed)}</>}
          {elapsed != null && value < max && <> · ETA <span data-testid="eta">{paused ? 'paused' : formatDuration(eta)}</span></>}
        </span>
      </div>
      <progress value={Math.min(value, max)} max={max > 0 ? max : 1} aria-label={label} />
    </div>
  );
}
