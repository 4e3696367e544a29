/**
 * path_output/bids_dataframe.csv, as ivadomed saves its BidsDataframe after indexing: one row per raw
 * image that has at least one label derivative, then one row per such derivative (pybids lists
 * derivatives as files too), with the entities, the sidecar keys and the participants/samples columns;
 * columns that are empty in every row are dropped (ivadomed drops all-NaN columns). It records what
 * the training saw; nothing reads it back.
 */
import { dataframeRow, type BidsIndex } from './indexer';

/** A CSV cell as pandas writes it: quoted when it holds a comma, a quote or a line break. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function bidsDataframeRows(index: BidsIndex): Record<string, unknown>[] {
  const withLabels = index.images.filter((im) => im.labels.length > 0);
  const rows: Record<string, unknown>[] = withLabels.map((im) => dataframeRow(im));
  for (const im of withLabels) {
    for (const label of im.labels) {
      const filename = label.path.split('/').pop() ?? label.path;
      rows.push({
        filename, path: label.path, subject: im.subject, suffix: im.suffix, extension: im.extension, datatype: im.datatype,
        derivative_of: im.path, label_suffix: label.suffix, ...label.sidecar,
      });
    }
  }
  return rows;
}

export function bidsDataframeCsv(index: BidsIndex): string {
  const rows = bidsDataframeRows(index);
  const columns: string[] = [];
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (v !== null && v !== undefined && v !== '' && !columns.includes(k)) columns.push(k);
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
