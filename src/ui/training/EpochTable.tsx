/** One row per finished epoch: losses, validation Dice, learning rate, time; the best epoch marked. */
import type { EpochRecord } from '../../train/events';
import { formatDuration } from '../components/format';

function num(v: number | null | undefined, digits = 4): string {
  return v == null || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

export function EpochTable({ rows }: { rows: EpochRecord[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="table-scroll">
      <table className="data-table epoch-table" aria-label="Epochs" data-testid="epoch-table">
        <thead>
          <tr>
            <th scope="col">Epoch</th>
            <th scope="col">Train loss</th>
            <th scope="col">Val loss</th>
            <th scope="col">Val Dice</th>
            <th scope="col">Learning rate</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.epoch} data-testid="epoch-row" data-epoch={r.epoch} className={r.best ? 'best' : undefined}>
              <th scope="row">
                {r.epoch}
                {r.best ? ' ★' : ''}
              </th>
              <td>{num(r.train_loss)}</td>
              <td>{num(r.val_loss)}</td>
              <td data-testid="epoch-dice">{num(r.metrics.dice_score)}</td>
              <td>{r.lr.toExponential(2)}</td>
              <td>{formatDuration(r.train_seconds + r.val_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
