/**
 * Blending of overlapping sliding-window predictions: importance maps and the weighted accumulator
 * (MONAI sliding_window_inference: output = Σ w·pred / Σ w over the windows covering a voxel).
 */
import { extractWindow, forEachWindowRow, planWindows, type WindowPlan } from './window';

export type BlendMode = 'constant' | 'gaussian';

/** All-ones importance map (plain averaging of overlapping windows). */
export function constantImportanceMap(roi: readonly number[]): Float32Array {
  return new Float32Array(roi.reduce((a, b) => a * b, 1)).fill(1);
}

/**
 * Gaussian importance map (MONAI compute_importance_map, mode "gaussian"): the product over
 * dimensions of exp(-x² / (2σ²)), x = i - (n-1)/2 (centred between the two middle voxels for even
 * n), σ = sigmaScale · n. It is normalised to a maximum of 1 (as nnU-Net; MONAI's map already peaks
 * at 1 for odd sizes, and the scale cancels in Σw·p/Σw), and values below max(min, 1e-3) are raised
 * to that floor so that the window borders keep a small non-zero weight (MONAI clamps to
 * max(min, 1e-3); nnU-Net replaces zeros by the smallest non-zero value).
 */
export function gaussianImportanceMap(roi: readonly number[], sigmaScale: number | readonly number[] = 0.125): Float32Array {
  const nd = roi.length;
  const scales = typeof sigmaScale === 'number' ? new Array<number>(nd).fill(sigmaScale) : [...sigmaScale];
  if (scales.length !== nd || scales.some((s) => !(s > 0))) {
    throw new Error(`gaussianImportanceMap: sigma_scale must be > 0, one value or one per dimension (${nd}), got [${scales.join(', ')}]`);
  }
  const axes = roi.map((n, d) => {
    const sigma = scales[d] * n;
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = i - (n - 1) / 2;
      a[i] = Math.exp((x * x) / (-2 * sigma * sigma));
    }
    return a;
  });
  const total = roi.reduce((a, b) => a * b, 1);
  const map = new Float64Array(total);
  const idx = new Array<number>(nd).fill(0);
  let max = 0;
  for (let v = 0; v < total; v++) {
    let w = 1;
    for (let d = 0; d < nd; d++) w *= axes[d][idx[d]];
    map[v] = w;
    if (w > max) max = w;
    for (let d = 0; d < nd; d++) { if (++idx[d] < roi[d]) break; idx[d] = 0; }
  }
  let min = Infinity;
  for (let v = 0; v < total; v++) { map[v] /= max; if (map[v] < min) min = map[v]; }
  const floor = Math.max(min, 1e-3);
  const out = new Float32Array(total);
  for (let v = 0; v < total; v++) out[v] = Math.max(map[v], floor);
  return out;
}

export function importanceMap(mode: BlendMode, roi: readonly number[], sigmaScale = 0.125): Float32Array {
  if (mode === 'constant') return constantImportanceMap(roi);
  if (mode === 'gaussian') return gaussianImportanceMap(roi, sigmaScale);
  throw new Error(`unknown blend mode "${String(mode)}": use "constant" or "gaussian"`);
}

/**
 * Accumulates weighted window predictions (channels × roi, channel slowest) into an image-sized
 * buffer and divides by the summed weights. Only the unpadded image is stored: padded voxels are
 * cropped on the way in, which is exactly MONAI's pad-then-crop result.
 */
export class WindowAccumulator {
  readonly sum: Float32Array;
  readonly weight: Float32Array;
  private readonly imgN: number;
  private readonly roiN: number;

  constructor(readonly plan: WindowPlan, readonly channels: number, readonly weights: Float32Array) {
    this.imgN = plan.imageSize.reduce((a, b) => a * b, 1);
    this.roiN = plan.roi.reduce((a, b) => a * b, 1);
    if (weights.length !== this.roiN) {
      throw new Error(`WindowAccumulator: importance map has ${weights.length} values, roi [${plan.roi.join(', ')}] needs ${this.roiN}`);
    }
    if (!(Number.isInteger(channels) && channels >= 1)) throw new Error(`WindowAccumulator: channels must be a positive integer, got ${channels}`);
    this.sum = new Float32Array(this.imgN * channels);
    this.weight = new Float32Array(this.imgN);
  }

  /** Add the prediction of the window at `start` (padded coordinates). */
  add(start: readonly number[], prediction: ArrayLike<number>): void {
    if (prediction.length !== this.roiN * this.channels) {
      throw new Error(`WindowAccumulator.add: prediction has ${prediction.length} values, expected ${this.channels} channel(s) x [${this.plan.roi.join(', ')}] = ${this.roiN * this.channels}`);
    }
    const { sum, weight, weights, imgN, roiN, channels } = this;
    forEachWindowRow(this.plan, start, (wOff, iOff, len) => {
      for (let t = 0; t < len; t++) weight[iOff + t] += weights[wOff + t];
      for (let ch = 0; ch < channels; ch++) {
        const wb = ch * roiN + wOff, ib = ch * imgN + iOff;
        for (let t = 0; t < len; t++) sum[ib + t] += weights[wOff + t] * prediction[wb + t];
      }
    });
  }

  /** Σ w·pred / Σ w per voxel and channel (channel slowest, image size). */
  result(): Float32Array {
    const out = new Float32Array(this.sum.length);
    for (let v = 0; v < this.imgN; v++) {
      const w = this.weight[v];
      if (!(w > 0)) throw new Error(`WindowAccumulator.result: voxel ${v} is covered by no window; add every window of the plan first`);
      for (let ch = 0; ch < this.channels; ch++) out[ch * this.imgN + v] = this.sum[ch * this.imgN + v] / w;
    }
    return out;
  }
}

/**
 * CPU driver of sliding-window inference: plans the windows, extracts each (zero-padded), runs
 * `predict` on it and blends the outputs. `predict` receives channelsIn × roi and must return
 * channelsOut × roi (channel slowest). The GPU path reuses planWindows / WindowAccumulator.
 */
export async function slidingWindowInference(
  image: ArrayLike<number>, imageSize: readonly number[], channelsIn: number, channelsOut: number,
  roi: readonly number[], predict: (window: Float32Array, start: readonly number[]) => Promise<ArrayLike<number>> | ArrayLike<number>,
  opts: { overlap?: number; placement?: 'monai' | 'nnunet'; mode?: BlendMode; sigmaScale?: number } = {},
): Promise<Float32Array> {
  const plan = planWindows(imageSize, roi, { overlap: opts.overlap, placement: opts.placement });
  const acc = new WindowAccumulator(plan, channelsOut, importanceMap(opts.mode ?? 'constant', plan.roi, opts.sigmaScale));
  const buf = new Float32Array(plan.roi.reduce((a, b) => a * b, 1) * channelsIn);
  for (const start of plan.windows) {
    extractWindow(image, channelsIn, plan, start, buf);
    acc.add(start, await predict(buf, start));
  }
  return acc.result();
}
