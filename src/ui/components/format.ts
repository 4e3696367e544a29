/** Pure formatting and estimation helpers for progress, time and memory readouts. */

/** "45 s", "3 min 20 s", "1 h 02 min", "2 d 3 h"; "—" for unknown or negative durations. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * Seconds left, assuming the remaining work goes at the average rate so far. Null until there is a
 * rate to extrapolate (nothing done yet, or no time elapsed), 0 when done.
 */
export function estimateEta(done: number, total: number, elapsedSeconds: number): number | null {
  if (!(total > 0) || !(done >= 0) || !Number.isFinite(elapsedSeconds)) return null;
  if (done >= total) return 0;
  if (done === 0 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds / done) * (total - done);
}

/** Binary units as GPU tools report them: "512 B", "1.5 KiB", "12.3 MiB", "2.00 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** Fraction done as a whole percentage, clamped to 0..100 (NaN-safe). */
export function percent(done: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(done)) return 0;
  return Math.max(0, Math.min(100, Math.floor((100 * done) / total)));
}

/** A voxel size in mm: 3 decimals for MRI/CT ("0.8", "4.978"), 3 significant digits for microscopy ("0.000093"). */
export function formatMm(mm: number): string {
  if (!Number.isFinite(mm)) return '?';
  return Math.abs(mm) >= 0.01 || mm === 0 ? String(Number(mm.toFixed(3))) : String(Number(mm.toPrecision(3)));
}
