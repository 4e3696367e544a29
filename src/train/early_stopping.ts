/**
 * Early stopping on the mean validation loss (training_parameters.training_time.early_stopping_*),
 * and best-model tracking (INVENTORY §g, §n.5).
 *
 * ivadomed's criterion, kept: from the second epoch, the improvement over the previous epoch is
 * measured in percent of the current loss, val_diff = (prev - cur) * 100 / |cur| (not the absolute
 * difference its docs describe), and an epoch with val_diff < epsilon does not count as improving.
 *
 * ivadomed's bug, fixed: it never resets patience_count (issue #867), so it stops after `patience`
 * non-improving epochs in total. Its docs (and the key's meaning) say `patience` CONSECUTIVE epochs;
 * here an improving epoch resets the count to 0.
 */

export interface EarlyStoppingOptions {
  /** early_stopping_patience: consecutive non-improving epochs that stop training (>= 1). */
  patience: number;
  /** early_stopping_epsilon: minimum improvement over the previous epoch, in percent of the current loss. */
  epsilon: number;
}

export interface EarlyStoppingUpdate {
  /** patienceCount reached patience: stop training now. */
  stop: boolean;
  /** The loss is below every earlier one: save the checkpoint / best model (ivadomed's rule). */
  improvedBest: boolean;
  /** Consecutive non-improving epochs so far, this one included. */
  patienceCount: number;
}

/** JSON-safe (no Infinity/NaN): null means "no epoch seen yet". */
export interface EarlyStoppingState {
  epochs: number;
  best: number | null;
  previous: number | null;
  patienceCount: number;
}

/**
 * ivadomed's val_diff: improvement of cur over prev in percent of |cur|. Works for negative losses
 * (ivadomed's DiceLoss is -Dice). cur = 0 gives +Infinity when prev > 0 (an improvement) and NaN
 * when prev is 0 too (not an improvement).
 */
export function relativeImprovementPercent(previous: number, current: number): number {
  return ((previous - current) * 100) / Math.abs(current);
}

export class EarlyStopping {
  readonly patience: number;
  readonly epsilon: number;
  private epochs = 0;
  private best: number | null = null;
  /** Loss of the last epoch with a finite loss. */
  private previous: number | null = null;
  private patienceCount = 0;

  constructor(opts: EarlyStoppingOptions) {
    if (!Number.isInteger(opts.patience) || opts.patience < 1) {
      throw new Error(`early_stopping_patience must be an integer >= 1, got ${opts.patience}`);
    }
    if (!Number.isFinite(opts.epsilon) || opts.epsilon < 0) {
      throw new Error(`early_stopping_epsilon must be a finite number >= 0 (percent of the validation loss), got ${opts.epsilon}`);
    }
    this.patience = opts.patience;
    this.epsilon = opts.epsilon;
  }

  /** Call once per epoch with the mean validation loss. */
  update(valLoss: number): EarlyStoppingUpdate {
    this.epochs += 1;
    // A NaN/inf loss (diverged training) is never an improvement; it does not become the reference
    // either, so the next finite epoch is compared with the last finite one. (In ivadomed a NaN makes
    // val_diff NaN, which never counts, so a diverged run is never stopped.)
    const finite = Number.isFinite(valLoss);
    const improvedBest = finite && (this.best === null || valLoss < this.best);
    if (improvedBest) this.best = valLoss;
    if (!finite) {
      this.patienceCount += 1;
    } else if (this.previous !== null) {
      const improved = relativeImprovementPercent(this.previous, valLoss) >= this.epsilon;
      this.patienceCount = improved ? 0 : this.patienceCount + 1;
    }
    if (finite) this.previous = valLoss;
    return { stop: this.patienceCount >= this.patience, improvedBest, patienceCount: this.patienceCount };
  }

  /** Lowest finite validation loss so far (null before the first epoch). */
  bestLoss(): number | null {
    return this.best;
  }

  state(): EarlyStoppingState {
    return { epochs: this.epochs, best: this.best, previous: this.previous, patienceCount: this.patienceCount };
  }

  load(state: EarlyStoppingState): void {
    const okNumber = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
    const okCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!okCount(state.epochs) || !okCount(state.patienceCount) || !okNumber(state.best) || !okNumber(state.previous)) {
      throw new Error(`EarlyStopping.load: invalid state ${JSON.stringify(state)}; expected { epochs, patienceCount: integers >= 0, best, previous: finite numbers or null }`);
    }
    this.epochs = state.epochs;
    this.best = state.best;
    this.previous = state.previous;
    this.patienceCount = state.patienceCount;
  }
}
