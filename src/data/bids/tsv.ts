/**
 * BIDS tables (participants.tsv, samples.tsv, *_sessions.tsv, *_scans.tsv): tab-separated with a header
 * row; "n/a" and empty cells become null (pybids reads them as NaN).
 */

export interface Table {
  path: string;
  columns: string[];
  rows: Record<string, string | null>[];
}

export function parseTsv(text: string, path: string): Table {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${path}: empty table (a header row is required).`);
  const columns = lines[0].split('\t').map((c) => c.trim());
  const rows = lines.slice(1).map((line, n) => {
    const cells = line.split('\t');
    if (cells.length > columns.length) {
      throw new Error(`${path}: row ${n + 2} has ${cells.length} cells, the header has ${columns.length} columns. Use tabs only between columns.`);
    }
    const row: Record<string, string | null> = {};
    columns.forEach((c, i) => {
      const v = (cells[i] ?? '').trim();
      row[c] = v === '' || v === 'n/a' ? null : v;
    });
    return row;
  });
  return { path, columns, rows };
}
