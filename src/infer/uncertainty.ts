/**
 * Uncertainty from n_it Monte Carlo samples (MC dropout or test-time augmentation), as ivadomed's
 * uncertainty.py computes it, on predictions of shape [nx, ny, nz] or [nx, ny, nz, nClasses]
 * (x fastest, classes slowest):
 *
 * - soft (`_soft`): p̄ = mean_i p_i.
 * - hard (`_pred`): p̄ >= 1/N -> 1 ("at least one sample predicted it"). This IS the combined
 *   prediction; ivadomed overwrites it with an extra stochastic pass (INVENTORY n.6), we do not.
 * - unc-vox (`_unc-vox`): binary entropy of the mean, per class, natural log, ε = 1e-5:
 *   -[p̄·ln(p̄+ε) + (1-p̄)·ln(1-p̄+ε)], negatives clipped to 0. It is the *predictive* entropy: samples
 *   that all agree on a soft 0.5 still give ln 2. The extra `mutualInformation` map (not in
 *   ivadomed) is H(p̄) - mean_i H(p_i), the epistemic part, which is 0 whenever the samples agree.
 * - per structure (18-connected objects of the hard prediction per class; single-voxel objects are
 *   skipped): for each sample, the sample's 18-connected component (sample voxels != 0) with the
 *   largest overlap with the object (M_i, the whole component; empty if none; smallest label on ties):
 *     unc-iou = |∩ M_i| / |∪ M_i|, unc-cv = std(|M_i|) / mean(|M_i|) (population std),
 *     unc-avgUnc = mean of unc-vox over the object's voxels; each painted on the object's voxels.
 * Computation is in float64; outputs are float32.
 */
import { labelComponents, type Dims3 } from '../eval/components';
import { splitShape } from './postprocess';

export const UNCERTAINTY_EPS = 1e-5;

/** ivadomed output file suffixes. */
export const UNCERTAINTY_SUFFIXES = {
  soft: '_soft.nii.gz',
  hard: '_pred.nii.gz',
  uncVox: '_unc-vox.nii.gz',
  uncIou: '_unc-iou.nii.gz',
  uncCv: '_unc-cv.nii.gz',
  uncAvgUnc: '_unc-avgUnc.nii.gz',
} as const;

export interface UncertaintyMaps {
  soft: Float32Array;
  hard: Float32Array;
  uncVox: Float32Array;
  uncIou: Float32Array;
  uncCv: Float32Array;
  uncAvgUnc: Float32Array;
  /** Epistemic part of the entropy (BALD mutual information); not written by ivadomed. */
  mutualInformation: Float32Array;
}

function binaryEntropy(p: number, eps: number): number {
  // p = 0 or 1 gives -ln(1 + eps) < 0, clipped to 0: skip the logarithms (most voxels of a mask).
  if (p === 0 || p === 1) return 0;
  const h = -(p * Math.log(p + eps) + (1 - p) * Math.log(1 - p + eps));
  return h < 0 ? 0 : h;
}

function checkSamples(samples: readonly ArrayLike<number>[], length: number): void {
  if (samples.length < 1) throw new Error('uncertainty: need at least one Monte Carlo sample (n_it >= 1)');
  samples.forEach((s, i) => {
    if (s.length !== length) throw new Error(`uncertainty: sample ${i} has ${s.length} values, expected ${length} (all samples must have the prediction's shape)`);
  });
}

/**
 * Voxel-wise maps: soft mean, hard (p̄ >= thr, default 1/N), entropy of the mean, mutual information.
 */
export function voxelwiseUncertainty(
  samples: readonly ArrayLike<number>[], length: number, opts: { thr?: number; eps?: number } = {},
): Pick<UncertaintyMaps, 'soft' | 'hard' | 'uncVox' | 'mutualInformation'> {
  checkSamples(samples, length);
  const N = samples.length;
  const thr = opts.thr ?? 1 / N;
  const eps = opts.eps ?? UNCERTAINTY_EPS;
  const soft = new Float32Array(length), hard = new Float32Array(length);
  const uncVox = new Float32Array(length), mi = new Float32Array(length);
  for (let v = 0; v < length; v++) {
    let s = 0, hMean = 0;
    for (let i = 0; i < N; i++) {
      const p = samples[i][v];
      s += p;
      hMean += binaryEntropy(p, eps);
    }
    const m = s / N;
    soft[v] = m;
    hard[v] = m < thr ? 0 : 1;
    const h = binaryEntropy(m, eps);
    uncVox[v] = h;
    const info = h - hMean / N;
    mi[v] = info > 0 ? info : 0;
  }
  return { soft, hard, uncVox, mutualInformation: mi };
}

/** Compressed lists of the voxels of each label: voxels[offsets[l] .. offsets[l+1]). */
function voxelLists(labels: Int32Array, count: number): { offsets: Int32Array; voxels: Int32Array } {
  const offsets = new Int32Array(count + 2);
  for (let v = 0; v < labels.length; v++) if (labels[v]) offsets[labels[v] + 1]++;
  for (let l = 1; l <= count + 1; l++) offsets[l] += offsets[l - 1];
  const fill = offsets.slice(0, count + 1);
  const voxels = new Int32Array(offsets[count + 1]);
  for (let v = 0; v < labels.length; v++) {
    const l = labels[v];
    if (l) voxels[fill[l]++] = v;
  }
  return { offsets, voxels };
}

/** Structure-wise maps (unc-iou, unc-cv, unc-avgUnc) for all classes. */
export function structurewiseUncertainty(
  samples: readonly ArrayLike<number>[], hard: ArrayLike<number>, uncVox: ArrayLike<number>, shape: readonly number[],
): Pick<UncertaintyMaps, 'uncIou' | 'uncCv' | 'uncAvgUnc'> {
  const { dims, nClasses, n } = splitShape(shape, 'uncertainty');
  checkSamples(samples, n * nClasses);
  const N = samples.length;
  const uncIou = new Float32Array(n * nClasses), uncCv = new Float32Array(n * nClasses), uncAvgUnc = new Float32Array(n * nClasses);
  const hits = new Uint16Array(n);
  for (let c = 0; c < nClasses; c++) {
    const off = c * n;
    const cls = (a: ArrayLike<number>) => sub(a, off, n);
    const hardLab = labelComponents(cls(hard), dims, 18);
    const objects: number[] = [];
    for (let l = 1; l <= hardLab.count; l++) if (hardLab.sizes[l] !== 1) objects.push(l);
    if (objects.length === 0) continue;
    const objVox = voxelLists(hardLab.labels, hardLab.count);
    // chosen[o][i] = voxel list of M_i for object o.
    const chosen: Int32Array[][] = objects.map(() => []);
    for (let i = 0; i < N; i++) {
      const lab = labelComponents(cls(samples[i]), dims as Dims3, 18);
      const lists = voxelLists(lab.labels, lab.count);
      const counts = new Int32Array(lab.count + 1);
      objects.forEach((o, oi) => {
        const touched: number[] = [];
        for (let t = objVox.offsets[o]; t < objVox.offsets[o + 1]; t++) {
          const l = lab.labels[objVox.voxels[t]];
          if (l) { if (counts[l]++ === 0) touched.push(l); }
        }
        let best = 0, bestCount = 0;
        for (const l of touched) {
          if (counts[l] > bestCount || (counts[l] === bestCount && l < best)) { best = l; bestCount = counts[l]; }
        }
        for (const l of touched) counts[l] = 0;
        chosen[oi].push(best ? lists.voxels.subarray(lists.offsets[best], lists.offsets[best + 1]) : new Int32Array(0));
      });
    }
    objects.forEach((o, oi) => {
      const ms = chosen[oi];
      // IoU of the N components.
      let union = 0, inter = 0;
      for (const m of ms) for (let t = 0; t < m.length; t++) if (hits[m[t]]++ === 0) union++;
      for (const m of ms) for (let t = 0; t < m.length; t++) {
        const v = m[t];
        if (hits[v] === N) inter++;
        hits[v] = 0;
      }
      const iou = inter / union; // NaN when every M_i is empty, as numpy's 0/0
      let mean = 0;
      for (const m of ms) mean += m.length;
      mean /= N;
      let varSum = 0;
      for (const m of ms) varSum += (m.length - mean) ** 2;
      const cv = Math.sqrt(varSum / N) / mean;
      let uSum = 0;
      const a = objVox.offsets[o], b = objVox.offsets[o + 1];
      for (let t = a; t < b; t++) uSum += uncVox[off + objVox.voxels[t]];
      const avg = uSum / (b - a);
      for (let t = a; t < b; t++) {
        const v = off + objVox.voxels[t];
        uncIou[v] = iou; uncCv[v] = cv; uncAvgUnc[v] = avg;
      }
    });
  }
  return { uncIou, uncCv, uncAvgUnc };
}

function sub(a: ArrayLike<number>, start: number, len: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float32Array).subarray(start, start + len);
  return Array.prototype.slice.call(a, start, start + len) as number[];
}

/** All uncertainty outputs from N samples of a prediction of `shape`. */
export function computeUncertainty(samples: readonly ArrayLike<number>[], shape: readonly number[]): UncertaintyMaps {
  const { nClasses, n } = splitShape(shape, 'uncertainty');
  const vox = voxelwiseUncertainty(samples, n * nClasses);
  const struct = structurewiseUncertainty(samples, vox.hard, vox.uncVox, shape);
  return { ...vox, ...struct };
}
