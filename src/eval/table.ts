/**
 * The evaluation table (results_eval/evaluation_3Dmetrics.csv): one row per image, index column
 * `image_id`, the union of the rows' columns in order of first appearance (as pandas builds it).
 * Values are written as pandas' to_csv writes them: floats with Python's repr ("12.0", "1e-05"),
 * counts as integers, NaN as an empty field, infinities as "inf".
 */
import type { Volume } from '../data/volume';
import { evaluate3D, pyFloatRepr, type EvaluationParams } from './evaluation3d';

const INTEGER_COLUMN = /^n_(pred|gt)_class\d+$|^n_.+(vox|mm3)$/;

export class EvaluationTable {
  readonly rows: Array<{ imageId: string; values: Record<string, number> }> = [];

  add(imageId: string, values: Record<string, number>): void {
    if (this.rows.some((r) => r.imageId === imageId)) throw new Error(`EvaluationTable: image_id "${imageId}" is already in the table`);
    this.rows.push({ imageId, values });
  }

  columns(): string[] {
    const seen = new Set<string>();
    const cols: string[] = [];
    for (const r of this.rows) for (const k of Object.keys(r.values)) if (!seen.has(k)) { seen.add(k); cols.push(k); }
    return cols;
  }

  /** Mean of each column over images, ignoring NaN (null when no value). */
  means(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const c of this.columns()) {
      let s = 0, k = 0;
      for (const r of this.rows) { const v = r.values[c]; if (v !== undefined && !Number.isNaN(v)) { s += v; k++; } }
      out[c] = k ? s / k : null;
    }
    return out;
  }

  toCSV(): string {
    const cols = this.columns();
    const lines = [['image_id', ...cols].map(csvField).join(',')];
    for (const r of this.rows) {
      const cells = cols.map((c) => formatValue(c, r.values[c]));
      lines.push([csvField(r.imageId), ...cells].join(','));
    }
    return lines.join('\n') + '\n';
  }
}

function formatValue(column: string, v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  if (INTEGER_COLUMN.test(column) && Number.isInteger(v)) return String(v);
  return pyFloatRepr(v);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One image to evaluate: the prediction (with its spacing) and one GT channel per class. */
export interface EvaluationItem {
  imageId: string;
  prediction: Volume;
  groundTruth: Pick<Volume, 'data' | 'shape'>;
}

/**
 * ivadomed's `evaluate` loop without the file system: evaluate each image, collect the rows into
 * the table, and return the painted TP/FP/FN maps by image id (to be written as
 * `<id>_pred_TP-FP-FN.nii.gz` with the prediction's header).
 */
export function evaluateImages(
  items: readonly EvaluationItem[], params: EvaluationParams = {},
): { table: EvaluationTable; painted: Map<string, Float32Array> } {
  const table = new EvaluationTable();
  const painted = new Map<string, Float32Array>();
  for (const it of items) {
    const r = evaluate3D(it.prediction, it.groundTruth, params);
    table.add(it.imageId, r.row);
    if (r.painted) painted.set(it.imageId, r.painted);
  }
  return { table, painted };
}
