/**
 * The evaluation table of --test (results_eval/evaluation_3Dmetrics.csv): sortable by any column
 * (click its header), one class at a time or all, each row opening its subject in the Viewer.
 */
import { useMemo, useState } from 'react';
import type { EvaluationTable as Table } from '../../worker/client';
import { columnsForClass, formatCell, sortRows, tableClasses, type SortDir } from './table';

export interface EvaluationTableProps {
  table: Table;
  onOpen: (imageId: string) => void;
  /** The row being opened (shows a busy state). */
  opening?: string | null;
}

export function EvaluationTable({ table, onOpen, opening }: EvaluationTableProps) {
  const classes = useMemo(() => tableClasses(table.columns), [table]);
  const [cls, setCls] = useState<number | null>(classes.length > 1 ? 0 : null);
  const [sort, setSort] = useState<{ column: string; dir: SortDir } | null>(null);
  const columns = columnsForClass(table.columns, cls);
  const rows = sort ? sortRows(table.rows, sort.column, sort.dir) : table.rows;

  const toggle = (column: string) =>
    setSort((s) => (s?.column === column ? { column, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { column, dir: column === 'image_id' ? 'asc' : 'desc' }));

  return (
    <div className="eval-table" data-testid="eval-table">
      <div className="eval-table-head">
        <h3>Evaluation ({table.rows.length} test image{table.rows.length === 1 ? '' : 's'})</h3>
        {classes.length > 0 && (
          <label className="inline">
            Class{' '}
            <select aria-label="Class" value={cls === null ? 'all' : String(cls)} onChange={(e) => setCls(e.target.value === 'all' ? null : Number(e.target.value))}>
              <option value="all">All classes</option>
              {classes.map((k) => (
                <option key={k} value={k}>
                  class {k}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} aria-sort={sort?.column === c ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" className="sort-button" onClick={() => toggle(c)} data-testid="eval-sort" data-column={c}>
                    {c}
                    {sort?.column === c ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.image_id}
                data-testid="eval-row"
                data-image-id={r.image_id}
                className={`clickable${opening === r.image_id ? ' busy' : ''}`}
                tabIndex={0}
                title="Open this subject in the Viewer with its prediction and uncertainty overlays"
                onClick={() => onOpen(r.image_id)}
                onKeyDown={(e) => { if (e.key === 'Enter') onOpen(r.image_id); }}
              >
                {columns.map((c) => (
                  <td key={c} data-column={c} data-value={r[c]}>
                    {c === 'image_id' ? r[c] : formatCell(r[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
