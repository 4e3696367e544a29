/**
 * "UI frame time": gaps between requestAnimationFrame callbacks of this page over the last ~2 s
 * (95th percentile and max). Training runs in the worker, so these stay near the display's frame
 * period; a long gap would mean the page itself is blocked.
 */
import { useEffect, useState } from 'react';

/** The q-quantile (0..1) of `values` by nearest rank; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function FrameTime({ active }: { active: boolean }) {
  const [stats, setStats] = useState<{ p95: number; max: number } | null>(null);
  useEffect(() => {
    if (!active) return;
    let raf = 0;
    let last = -1;
    let gaps: number[] = [];
    const tick = (t: number) => {
      if (last >= 0) gaps.push(t - last);
      last = t;
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    const timer = setInterval(() => {
      if (gaps.length) setStats({ p95: quantile(gaps, 0.95), max: Math.max(...gaps) });
      gaps = [];
    }, 2000);
    return () => {
      cancelAnimationFrame(raf);
      clearInterval(timer);
    };
  }, [active]);
  if (!active || !stats) return null;
  return (
    <span className={`frame-time muted${stats.p95 > 50 ? ' slow' : ''}`} data-testid="frame-time" data-p95={stats.p95.toFixed(1)} title="Gaps between animation frames of this page over the last 2 s: the training runs in a worker, so the page stays responsive">
      UI frame time: p95 {stats.p95.toFixed(0)} ms, max {stats.max.toFixed(0)} ms
    </span>
  );
}
