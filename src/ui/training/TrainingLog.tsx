/** The run's log, newest at the bottom, kept scrolled to the end while it grows. */
import { useEffect, useRef } from 'react';
import type { LogLine } from './trainingStore';

export function TrainingLog({ lines }: { lines: LogLine[] }) {
  const ref = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  if (lines.length === 0) return null;
  return (
    <details className="training-log" open>
      <summary>Log ({lines.length})</summary>
      <ol ref={ref} aria-label="Training log" data-testid="train-log">
        {lines.map((l, i) => (
          <li key={i} className={`log-${l.level}`}>
            <span className="muted">{l.at.toFixed(1)} s</span> {l.message}
          </li>
        ))}
      </ol>
    </details>
  );
}
