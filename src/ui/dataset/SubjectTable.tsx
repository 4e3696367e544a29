/** Subjects × contrasts: each cell shows the grid, voxel size and labels, and opens the volume in the Viewer. */
import { formatMm } from '../components/format';
import type { DatasetImage, DatasetIndex } from './types';

function fmtSpacing(s?: number[]): string {
  return s ? s.slice(0, 3).map(formatMm).join('×') : '?';
}

export function SubjectTable({ index, opening, onOpen }: { index: DatasetIndex; opening: string | null; onOpen: (img: DatasetImage) => void }) {
  const cell = new Map<string, DatasetImage[]>();
  for (const img of index.images) {
    const key = `${img.subject}\u0000${img.contrast}`;
    cell.set(key, [...(cell.get(key) ?? []), img]);
  }
  return (
    <div className="table-scroll">
      <table className="data-table subject-table" aria-label="Subjects and contrasts">
        <thead>
          <tr>
            <th scope="col">Subject</th>
            {index.contrasts.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {index.subjects.map((s) => (
            <tr key={s}>
              <th scope="row">{s}</th>
              {index.contrasts.map((c) => {
                const imgs = cell.get(`${s}\u0000${c}`) ?? [];
                return (
                  <td key={c}>
                    {imgs.length === 0 && <span className="muted" aria-label="missing">—</span>}
                    {imgs.map((img) => (
                      <button
                        key={img.path}
                        type="button"
                        className="cell-button"
                        onClick={() => onOpen(img)}
                        disabled={opening !== null}
                        data-testid="dataset-cell"
                        data-path={img.path}
                        title={`Open ${img.path} in the Viewer${img.labels.length ? ' with its labels' : ''}`}
                        aria-label={`Open ${s} ${c}${img.session ? ` ${img.session}` : ''} in the Viewer`}
                      >
                        {img.session && <span className="muted">{img.session} </span>}
                        <span className="cell-shape">{img.shape ? img.shape.join('×') : img.format.toUpperCase()}</span>
                        <span className="cell-spacing muted">{fmtSpacing(img.spacing)} mm</span>
                        <span className="cell-labels">
                          {img.labels.length === 0 ? (
                            <span className="badge warn-badge">no label</span>
                          ) : (
                            img.labels.map((l) => (
                              <span key={l.path} className="badge label-badge">
                                {l.suffix.replace(/^_/, '')}
                              </span>
                            ))
                          )}
                        </span>
                        {opening === img.path && <span className="muted"> opening…</span>}
                      </button>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
