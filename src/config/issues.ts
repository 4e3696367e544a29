/** Issues reported to the user: errors (the config cannot run), warnings, and their wording. */
import type { Path } from './walk';
import { formatPath } from './walk';

export interface ConfigIssue {
  /** Dotted key path, e.g. "training_parameters.batch_size" or "transformation.CenterCrop.size[0]". */
  path: string;
  /** Full sentence, starting with the path, e.g. "training_parameters.batch_size: got -2; must be an integer >= 1". */
  message: string;
  /** For unknown keys: the closest known key, if any. */
  suggestion?: string;
}

/** Short JSON rendering of a value for messages. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function issue(path: Path, message: string, suggestion?: string): ConfigIssue {
  const p = formatPath(path);
  return suggestion === undefined ? { path: p, message: `${p}: ${message}` } : { path: p, message: `${p}: ${message}`, suggestion };
}

/** "got X; must be Y" — or "missing; must be Y" for an absent required key. */
export function mustBe(path: Path, value: unknown, allowed: string, present = true): ConfigIssue {
  return issue(path, `${present ? `got ${showValue(value)}` : 'missing'}; must be ${allowed}`);
}

/**
 * Edit distance with insertions, deletions, substitutions and transpositions of adjacent letters
 * (optimal string alignment), so "axail" is 1 from "axial".
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The candidate closest to `word`, compared case-insensitively and ignoring "_" and "-" (so
 * "targetSize" finds "target_size"); none when the best is further than about a third of the word.
 * A word of 3+ letters that starts a candidate ("dice" -> "DiceLoss") also counts as close.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const w = norm(word);
  if (w.length >= 3) {
    const prefixed = candidates.filter((c) => norm(c).startsWith(w) && norm(c) !== w).sort((a, b) => a.length - b.length);
    if (prefixed.length > 0 && !candidates.some((c) => norm(c) === w)) return prefixed[0];
  }
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = Math.min(editDistance(w, norm(c)), editDistance(word.toLowerCase(), c.toLowerCase()));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return bestD <= limit ? best : undefined;
}
