/**
 * CPU timing of the evaluation and uncertainty code on a 256x256x64 phantom (two ellipsoids per
 * volume, prediction = ground truth shifted and dilated a little, plus small spurious blobs).
 * Run: npx tsx bench/evaluation-cpu.ts
 */
import { identityAffine } from '../src/data/volume';
import { evaluate3D } from '../src/eval/evaluation3d';
import { computeUncertainty } from '../src/infer/uncertainty';
import { applyPostprocessing } from '../src/infer/postprocess';

const [nx, ny, nz] = [256, 256, 64];
const n = nx * ny * nz;
function ellipsoids(shift: number, grow: number): Float32Array {
  const a = new Float32Array(n);
  const objs = [[80, 100, 30, 30, 40, 12], [170, 150, 34, 20, 25, 10]];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    for (const [cx, cy, cz, rx, ry, rz] of objs) {
      const d = ((i - cx - shift) / (rx + grow)) ** 2 + ((j - cy) / (ry + grow)) ** 2 + ((k - cz) / (rz + grow / 2)) ** 2;
      if (d <= 1) a[i + nx * (j + ny * k)] = 1;
    }
  }
  for (let s = 0; s < 40; s++) a[(s * 7919 * 131) % n] = 1; // isolated false positives
  return a;
}
const gt = ellipsoids(0, 0), pred = ellipsoids(2, 1);
const spacing: [number, number, number] = [0.5, 0.5, 2];
const vol = { data: pred, shape: [nx, ny, nz], spacing, affine: identityAffine(spacing) };

/**
 * Best of `reps` runs after a warm-up. The machine may be shared: the minimum wall time and the
 * process CPU time (user + system, which other processes inflate less) are both reported.
 */
function time(label: string, fn: () => void, reps = 3): void {
  fn();
  let best = Infinity, bestCpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  console.log(`${label}: ${best.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU`);
}
time('evaluate3D 256x256x64, ivadomed columns only', () => { evaluate3D(vol, { data: gt, shape: [nx, ny, nz] }, { geometric: false, target_size: { unit: 'vox', thr: [20, 100] } }); });
time('evaluate3D 256x256x64, with HD/HD95/ASSD/NSD', () => { evaluate3D(vol, { data: gt, shape: [nx, ny, nz] }, { target_size: { unit: 'vox', thr: [20, 100] } }); });
time('postprocessing (binarize, keep_largest, fill_holes, remove_small)', () => {
  applyPostprocessing(vol, { binarize_prediction: { thr: 0.5 }, keep_largest: {}, fill_holes: {}, remove_small: { unit: 'vox', thr: 3 } });
});
const samples = [ellipsoids(0, 0), ellipsoids(1, 0), ellipsoids(2, 1), ellipsoids(0, 1), ellipsoids(-1, 0)];
time('uncertainty, 5 MC samples', () => { computeUncertainty(samples, [nx, ny, nz]); }, 2);
console.log(evaluate3D(vol, { data: gt, shape: [nx, ny, nz] }).row);
