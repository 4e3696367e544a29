/**
 * Kernel density clustering of one MRI acquisition parameter (FlipAngle, RepetitionTime, EchoTime),
 * as ivadomed's loader/film.py `Kde_model`: a Gaussian KernelDensity whose bandwidth is chosen by
 * cross-validated log-likelihood (scikit-learn GridSearchCV(KernelDensity(), cv=5) semantics), its
 * log density evaluated on a fixed grid, and the grid's strict local minima used as cluster borders.
 * Pure numbers, no engine: fitted once on the training set, a few hundred values at most.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** numpy.linspace(start, stop, num) (endpoint included, last value exactly `stop`). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  out[num - 1] = stop;
  return out;
}

/**
 * numpy.logspace(start, stop, num): 10 ** linspace(start, stop, num). Integer exponents are parsed
 * ("1e-4") because Math.pow(10, -4) is one ulp off 0.0001 in V8.
 */
export function logspace(start: number, stop: number, num: number): Float64Array {
  return linspace(start, stop, num).map((e) => (Number.isInteger(e) ? Number(`1e${e}`) : Math.pow(10, e)));
}

/**
 * Log of the Gaussian kernel density at x: log(mean_i N(x; x_i, h)) (scikit-learn
 * KernelDensity(kernel='gaussian', bandwidth=h).score_samples, 1-D). Computed with log-sum-exp so a
 * tiny bandwidth gives a very negative but finite value (as scikit-learn's tree does in log space),
 * never -Infinity: the cross-validation can still rank such bandwidths.
 */
export function gaussianLogDensity(train: ArrayLike<number>, bandwidth: number, x: number): number {
  const n = train.length;
  if (n === 0) throw new Error('gaussianLogDensity: no training values.');
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const z = (x - train[i]) / bandwidth;
    const t = -0.5 * z * z;
    if (t > max) max = t;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const z = (x - train[i]) / bandwidth;
    sum += Math.exp(-0.5 * z * z - max);
  }
  return max + Math.log(sum) - Math.log(n) - Math.log(bandwidth) - LOG_SQRT_2PI;
}

/** gaussianLogDensity at every x (KernelDensity.score_samples). */
export function kdeScoreSamples(train: ArrayLike<number>, bandwidth: number, xs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(xs.length);
  for (let j = 0; j < xs.length; j++) out[j] = gaussianLogDensity(train, bandwidth, xs[j]);
  return out;
}

/**
 * scikit-learn KFold(n_splits=k, shuffle=False): contiguous test folds, the first n % k folds one
 * value longer; the training set of a fold is every other index, in order.
 */
export function kFoldSplits(n: number, k: number): { train: number[]; test: number[] }[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`kFoldSplits: k must be an integer >= 2, got ${k}.`);
  if (k > n) throw new Error(`kFoldSplits: cannot make ${k} folds from ${n} values.`);
  const splits: { train: number[]; test: number[] }[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (i >= start && i < start + size ? test : train).push(i);
    splits.push({ train, test });
    start += size;
  }
  return splits;
}

/** How the bandwidth was chosen (kept in the saved encoder so a user can see it). */
export type BandwidthMethod = 'kfold' | 'leave-one-out' | 'single-value';

export interface BandwidthSelection {
  bandwidth: number;
  /** Index of `bandwidth` in the candidates (-1 for 'single-value'). */
  bestIndex: number;
  method: BandwidthMethod;
  /** Number of folds used (0 for 'single-value'). */
  folds: number;
  /** Mean over folds of the held-out total log-likelihood, per candidate bandwidth (empty for 'single-value'). */
  meanScores: number[];
}

/** ivadomed's candidate bandwidths: numpy.logspace(-4, 1, 50). */
export const FILM_BANDWIDTHS: readonly number[] = Array.from(logspace(-4, 1, 50));

/**
 * Bandwidth with the best mean held-out log-likelihood over `folds` contiguous folds (GridSearchCV
 * with cv=KFold(folds), score = KernelDensity.score = total log density of the held-out fold, mean
 * over folds unweighted as iid=False, ties -> first candidate).
 *
 * Fallbacks where GridSearchCV would raise (fewer values than folds): with 2..folds-1 values,
 * leave-one-out (one fold per value, the same criterion); with a single value there is nothing to
 * cross-validate and the density (one Gaussian) has no interior minimum whatever the bandwidth, so
 * scikit-learn's default bandwidth 1 is used and every value falls in category 0.
 */
export function selectBandwidth(values: readonly number[], bandwidths: readonly number[] = FILM_BANDWIDTHS, folds = 5): BandwidthSelection {
  const n = values.length;
  if (n === 0) throw new Error('selectBandwidth: no training values to fit the kernel density on.');
  if (bandwidths.length === 0) throw new Error('selectBandwidth: no candidate bandwidths.');
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`selectBandwidth: training value ${v} is not a finite number.`);
  if (n === 1) return { bandwidth: 1, bestIndex: -1, method: 'single-value', folds: 0, meanScores: [] };
  const k = n >= folds ? folds : n;
  const splits = kFoldSplits(n, k);
  const meanScores: number[] = [];
  let best = 0;
  for (let b = 0; b < bandwidths.length; b++) {
    let total = 0;
    for (const { train, test } of splits) {
      const trainValues = train.map((i) => values[i]);
      let score = 0;
      for (const i of test) score += gaussianLogDensity(trainValues, bandwidths[b], values[i]);
      total += score;
    }
    meanScores.push(total / splits.length);
    if (meanScores[b] > meanScores[best]) best = b;
  }
  return { bandwidth: bandwidths[best], bestIndex: best, method: n >= folds ? 'kfold' : 'leave-one-out', folds: k, meanScores };
}

/**
 * Indices of strict local minima (scipy.signal.argrelextrema(d, np.less), order 1, mode 'clip'):
 * d[i] < d[i-1] and d[i] < d[i+1]; the two ends are never minima and plateaus are not minima.
 */
export function localMinima(d: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < d.length - 1; i++) if (d[i] < d[i - 1] && d[i] < d[i + 1]) out.push(i);
  return out;
}

export interface KdeClustererJSON {
  bandwidth: number;
  method: BandwidthMethod;
  /** Grid values at the density's local minima, ascending: the cluster borders. */
  minima: number[];
  trainingCount: number;
}

/** One fitted parameter clustering: categories are the intervals between density minima. */
export class KdeClusterer {
  constructor(
    readonly bandwidth: number,
    readonly minima: readonly number[],
    readonly method: BandwidthMethod = 'kfold',
    readonly trainingCount = 0,
  ) {}

  /** Fit on the training values: choose the bandwidth, evaluate the log density on `grid`, keep its minima. */
  static fit(values: readonly number[], grid: ArrayLike<number>, bandwidths: readonly number[] = FILM_BANDWIDTHS): KdeClusterer {
    const selection = selectBandwidth(values, bandwidths);
    const density = kdeScoreSamples(values, selection.bandwidth, grid);
    const minima = localMinima(density).map((i) => grid[i]);
    return new KdeClusterer(selection.bandwidth, minima, selection.method, values.length);
  }

  /** Category of a value: index of the first border above it, else the number of borders. */
  predict(value: number): number {
    const i = this.minima.findIndex((m) => value < m);
    return i === -1 ? this.minima.length : i;
  }

  /** Number of categories this clustering can produce. */
  get categoryCount(): number {
    return this.minima.length + 1;
  }

  toJSON(): KdeClustererJSON {
    return { bandwidth: this.bandwidth, method: this.method, minima: [...this.minima], trainingCount: this.trainingCount };
  }

  static fromJSON(json: KdeClustererJSON): KdeClusterer {
    if (!json || typeof json.bandwidth !== 'number' || !Array.isArray(json.minima)) {
      throw new Error('KdeClusterer.fromJSON: expected {bandwidth: number, minima: number[], ...}.');
    }
    return new KdeClusterer(json.bandwidth, json.minima, json.method ?? 'kfold', json.trainingCount ?? 0);
  }
}
