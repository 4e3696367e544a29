/**
 * Overlay of several runs' validation curves (val Dice on the right axis, val loss dashed on the
 * left) from their training_curves.csv, in the aligned layout the LineChart takes.
 */
import { appendPoint, emptyCurves, type CurveData, type CurveSeries } from '../charts/series';
import type { CurvesTable } from './runInfo';

const PALETTE = ['#c4a7e7', '#7fdbca', '#f6c177', '#eb6f92', '#9ccfd8', '#ebbcba', '#a3be8c', '#d08770'];

export function compareCurves(runs: { label: string; table: CurvesTable }[]): { series: CurveSeries[]; data: CurveData } {
  const series: CurveSeries[] = [];
  runs.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length];
    series.push({ label: `${r.label} val Dice`, color, axis: 'right' }, { label: `${r.label} val loss`, color, dashed: true });
  });
  const data = emptyCurves(series.length);
  runs.forEach((r, i) => {
    const dice = r.table.columns.get('dice_score');
    const loss = r.table.columns.get('val_loss');
    r.table.epoch.forEach((epoch, row) => {
      if (!Number.isFinite(epoch)) return;
      if (dice) appendPoint(data, 2 * i, epoch, dice[row]);
      if (loss) appendPoint(data, 2 * i + 1, epoch, loss[row]);
    });
  });
  return { series, data };
}
