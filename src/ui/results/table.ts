/**
 * The evaluation table's view logic (pure): columns per class (ivadomed names per-class metrics
 * "<metric>_class<k>"), sorting by any column (numbers as numbers, empty cells last).
 */
import type { EvaluationTable } from '../../worker/client';

export type SortDir = 'asc' | 'desc';

/** The class indices present in the columns ("dice_class0", "vol_gt_class1" -> [0, 1]). */
export function tableClasses(columns: readonly string[]): number[] {
  const found = new Set<number>();
  for (const c of columns) {
    const m = c.match(/_class(\d+)$/);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/** The columns shown for a class (image_id, that class's columns, and the columns of no class); all for null. */
export function columnsForClass(columns: readonly string[], cls: number | null): string[] {
  if (cls === null) return [...columns];
  return columns.filter((c) => {
    const m = c.match(/_class(\d+)$/);
    return !m || Number(m[1]) === cls;
  });
}

function asNumber(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isNaN(n) ? null : n;
}

/** Rows sorted by a column: numerically when both cells are numbers, else as text; empty cells always last. */
export function sortRows(rows: readonly Record<string, string>[], column: string, dir: SortDir): Record<string, string>[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[column] ?? '';
    const y = b[column] ?? '';
    if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1;
    const nx = asNumber(x);
    const ny = asNumber(y);
    if (nx !== null && ny !== null) return sign * (nx - ny);
    return sign * x.localeCompare(y);
  });
}

/** A cell for display: numbers with 4 significant digits, others as written. */
export function formatCell(value: string | undefined): string {
  const n = asNumber(value);
  if (n === null) return value ?? '';
  if (Number.isInteger(n)) return String(n);
  return Number(n.toPrecision(4)).toString();
}

/** Table and means together, for callers that only have the parsed CSV. */
export function columnMeans(table: EvaluationTable): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const c of table.columns.slice(1)) {
    const values = table.rows.map((r) => asNumber(r[c])).filter((v): v is number => v !== null);
    out[c] = values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  }
  return out;
}
