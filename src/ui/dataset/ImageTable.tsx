/** Every image with its grid, datatype, labels and the sidecar metadata that varies (or matters to FiLM). */
import { formatMm } from '../components/format';
import type { DatasetIndex } from './types';

/** Sidecar keys shown first when present (FiLM's MRI parameters and the scanner). */
const PREFERRED = ['EchoTime', 'RepetitionTime', 'FlipAngle', 'Manufacturer', 'MagneticFieldStrength', 'PixelSize', 'PixelSizeUnits'];
const MAX_KEYS = 8;

export function sidecarColumns(index: DatasetIndex): string[] {
  const count = new Map<string, number>();
  for (const img of index.images) for (const k of Object.keys(img.sidecar ?? {})) count.set(k, (count.get(k) ?? 0) + 1);
  const keys = [...count.keys()];
  const preferred = PREFERRED.filter((k) => count.has(k));
  const rest = keys.filter((k) => !PREFERRED.includes(k)).sort((a, b) => count.get(b)! - count.get(a)! || a.localeCompare(b));
  return [...preferred, ...rest].slice(0, MAX_KEYS);
}

function show(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function ImageTable({ index }: { index: DatasetIndex }) {
  const keys = sidecarColumns(index);
  return (
    <div className="table-scroll">
      <table className="data-table image-table" aria-label="Images and metadata">
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Grid</th>
            <th scope="col">Voxel (mm)</th>
            <th scope="col">Type</th>
            <th scope="col">Labels</th>
            {keys.map((k) => (
              <th key={k} scope="col">
                {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {index.images.map((img) => (
            <tr key={img.path} data-testid="image-row" data-path={img.path}>
              <td className="mono-cell" title={img.path}>
                {img.path.split('/').pop()}
              </td>
              <td>{img.shape?.join('×') ?? '—'}</td>
              <td>{img.spacing?.map(formatMm).join('×') ?? '—'}</td>
              <td>{img.datatype ?? img.format}</td>
              <td>{img.labels.map((l) => l.suffix.replace(/^_/, '')).join(', ') || '—'}</td>
              {keys.map((k) => (
                <td key={k}>{show(img.sidecar?.[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
