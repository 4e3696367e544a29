/**
 * Monte Carlo uncertainty (ivadomed testing.py + uncertainty.py, INVENTORY §h):
 * - epistemic (MC dropout): the model in eval mode except its Dropout modules, which stay in
 *   training mode (ivadomed: every module whose class name starts with "Dropout" is put back in
 *   train()); batch/instance norms keep their running statistics.
 * - aleatoric (test-time augmentation): items are built with the TRAINING pipeline minus the
 *   transforms that cannot be undone (ivadomed drops ElasticTransform etc.); each pass draws fresh
 *   random parameters (RandomAffine, RandomReverse, RandomShiftIntensity, ...) from its own DataRng,
 *   and VolumeAssembler undoes them on the prediction.
 * n_it passes give n_it samples; computeUncertainty turns them into the soft mean, the combined
 * prediction (mean >= 1/N) and the unc-vox / unc-iou / unc-cv / unc-avgUnc maps.
 *
 * Difference from ivadomed (§n.6): ivadomed runs one more stochastic pass after the n_it samples
 * and writes it over the combined `_pred`; here `_pred` IS the combined prediction of the n_it
 * samples (postprocessing applied to it), and no extra pass is made.
 */
import type { IvadomedConfig } from '../config/index';
import { Compose, DataRng } from '../data/index';
import { Dropout } from '../nn/index';
import type { Module } from '../nn/module';

export interface UncertaintySettings {
  epistemic: boolean;
  aleatoric: boolean;
  nIt: number;
}

/** The config's `uncertainty` section; enabled when n_it > 0 and epistemic or aleatoric. */
export function uncertaintySettings(config: IvadomedConfig): UncertaintySettings & { enabled: boolean } {
  const u = (config.uncertainty ?? {}) as { epistemic?: boolean; aleatoric?: boolean; n_it?: number };
  const nIt = Math.max(0, Math.floor(u.n_it ?? 0));
  const epistemic = !!u.epistemic, aleatoric = !!u.aleatoric;
  return { epistemic, aleatoric, nIt, enabled: nIt > 0 && (epistemic || aleatoric) };
}

/**
 * Eval mode everywhere, then Dropout modules back in training mode when `mcDropout` (MC dropout).
 * Returns how many Dropout modules are active (0 when the model has none, or they have p = 0).
 */
export function setMcDropout(module: Module, mcDropout: boolean): number {
  module.eval();
  if (!mcDropout) return 0;
  let active = 0;
  for (const [, m] of module.namedModules()) {
    if (m instanceof Dropout) {
      m.training = true;
      if (m.p > 0) active++;
    }
  }
  return active;
}

/**
 * The pipeline items are built with: the testing transforms (deterministic ones only matter), or
 * for aleatoric uncertainty the training transforms that can be undone. Both leave out what has
 * no undo. `dropped` names what was left out, for the log.
 */
export function inferenceCompose(config: IvadomedConfig, aleatoric: boolean): Compose {
  const transformation = (config.transformation ?? {}) as Record<string, unknown>;
  return Compose.fromConfig(transformation, aleatoric ? 'training' : 'testing', { requiresUndo: true });
}

/** The random stream of pass `i` (deterministic per seed; different per pass). */
export function passRng(seed: number, pass: number): DataRng {
  return new DataRng((Math.imul(seed ^ 0x85ebca6b, 2246822519) + pass * 7919 + 1) >>> 0);
}

/**
 * Runs `predict` n_it times (pass index and its rng) and returns the samples. With neither
 * epistemic nor aleatoric randomness the samples are identical (a warning is the caller's).
 */
export async function monteCarloSamples<T>(nIt: number, seed: number, predict: (pass: number, rng: DataRng) => Promise<T>): Promise<T[]> {
  if (!(Number.isInteger(nIt) && nIt >= 1)) throw new Error(`uncertainty.n_it must be an integer >= 1 for Monte Carlo sampling, got ${nIt}`);
  const out: T[] = [];
  for (let i = 0; i < nIt; i++) out.push(await predict(i, passRng(seed, i)));
  return out;
}
