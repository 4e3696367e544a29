/**
 * The files a training writes into path_output (ivadomed's layout, with safetensors weights in
 * place of pickled .pt modules and JSON in place of joblib; see docs/training.md).
 */
import type { DatasetSplit } from '../data/index';
import type { ModelSpec } from '../nn/models/index';
import type { EpochRecord } from './events';

export const OUTPUT_FILES = {
  config: 'config_file.json',
  split: 'split_datasets.json',
  checkpointJson: 'checkpoint.json',
  checkpointWeights: 'checkpoint.safetensors',
  bestModel: 'best_model.safetensors',
  finalModel: 'final_model.safetensors',
  curvesCsv: 'training_curves.csv',
  curvesPng: 'training_curves.png',
  runRecord: 'run_record.json',
  filmEncoder: 'film_encoder.json',
  versionInfo: 'version_info.log',
  bidsDataframe: 'bids_dataframe.csv',
} as const;

export interface RunRecord {
  format: 'ivadomed-web-run';
  version: 1;
  created: string;
  adapter: string;
  backend: string;
  model: ModelSpec;
  parameters: number;
  config: unknown;
  split: DatasetSplit;
  epochs: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number | null;
  bestValDice: number | null;
  reason: string;
  seconds: number;
  peakGpuBytes: number | null;
  warnings: string[];
}

/** One row per epoch: lr, losses, every validation metric, timings. */
export function writeCurvesCsv(history: readonly EpochRecord[]): string {
  const metricNames = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))];
  const header = ['epoch', 'lr', 'train_loss', 'train_dice_loss', 'val_loss', 'val_dice_loss', ...metricNames, 'train_seconds', 'val_seconds', 'best'];
  const fmt = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '' : String(v));
  const rows = history.map((h) =>
    [h.epoch, h.lr, h.train_loss, h.train_dice_loss, h.val_loss, h.val_dice_loss, ...metricNames.map((m) => h.metrics[m]), h.train_seconds, h.val_seconds]
      .map((v) => fmt(v as number | null))
      .concat(h.best ? '1' : '0')
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
