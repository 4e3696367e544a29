import type { ValidationPreview } from './preview';

/** What a running training reports (to the Worker's client, the CLI's progress bar, the run record). */

export interface EpochRecord {
  epoch: number;
  lr: number;
  train_loss: number;
  train_dice_loss: number;
  val_loss: number;
  val_dice_loss: number;
  /** ivadomed's validation metrics (dice_score, precision_score, ...): nanmean over samples, null when all NaN. */
  metrics: Record<string, number | null>;
  /** Seconds spent training and validating this epoch. */
  train_seconds: number;
  val_seconds: number;
  best: boolean;
  patience_count: number;
}

export type TrainEvent =
  | { type: 'log'; level: 'info' | 'warning'; message: string }
  | { type: 'setup'; stage: string; done: number; total: number }
  | {
      type: 'start'; model: string; parameters: number; epochs: number; startEpoch: number; batchesPerEpoch: number;
      trainItems: number; validItems: number; backend: string; adapter: string;
    }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; lr: number; etaSeconds: number; itemsPerSecond: number }
  | { type: 'validation'; epoch: number; batch: number; batches: number }
  | ({ type: 'epoch'; epochs: number; etaSeconds: number } & EpochRecord)
  /** One validation slice with its prediction, after each epoch's validation (TrainOptions.validationPreview). */
  | ({ type: 'preview' } & ValidationPreview)
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'checkpoint'; epoch: number; files: string[] }
  | { type: 'done'; reason: 'completed' | 'early-stopping' | 'stopped'; epochs: number; bestEpoch: number; bestValLoss: number; bestValDice: number | null };
