/**
 * Whole-volume inference benchmark (docs/inference.md): wall time and peak GPU memory for
 *  - a 2D Unet (depth 3, n_filters 16) over a 256x256x64 volume, slice by slice (predictEntry on a
 *    testing SegmentationDataset: NormalizeInstance, slices batched to the memory budget, undo and
 *    reconstruction on the native grid included);
 *  - a Modified3DUNet (n_filters 16) over a 128x128x64 volume by Gaussian-blended sliding window
 *    (roi 64x64x32, overlap 0.25, slidingWindowVolume).
 * Time = from the first item read to the reconstructed volume on the host (readbacks included),
 * median of the timed runs after one warm-up run (pipeline compilation). Peak = the largest
 * memory('webgpu').peakBytes above the bytes live before a forward (activations of one batch),
 * and the weights' bytes.
 * Run with `npm run bench -- inference`; writes bench-results/inference.json.
 * Env: BENCH_QUICK=1 (quarter-size volumes, 1 timed run), BENCH_REPS (timed runs, default 3),
 * BENCH_BUDGET_MB (memory budget of a batch, default 512), BENCH_NF (n_filters, default 16).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { Compose, DataRng, SegmentationDataset, type DatasetEntry, type Volume } from '../src/data/index';
import { manualSeed, setBackend } from '../src/engine/index';
import { acquireNodeDevice } from '../src/engine/webgpu/node';
import { adapterName } from '../src/engine/webgpu/device';
import { createModel, type BuiltModel } from '../src/nn/models/index';
import { Modified3DUNet } from '../src/nn/models/modified3dunet';
import { BatchPredictor, itemsByEntry, predictEntry, slidingWindowVolume } from '../src/infer/segment';

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = QUICK ? 1 : Number(process.env.BENCH_REPS ?? 3);
const BUDGET = Number(process.env.BENCH_BUDGET_MB ?? 512) * 1024 * 1024;
const NF = Number(process.env.BENCH_NF ?? 16);

function phantom(shape: number[]): Volume {
  const [X, Y, Z] = shape;
  const data = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const r = Math.hypot(x - X / 2, y - Y / 2);
    data[x + X * (y + Y * z)] = (r < X / 6 ? 1 : 0.2) + 0.05 * Math.sin(x * 0.3 + y * 0.7 + z);
  }
  return { data, shape, spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
}

async function timed(fn: () => Promise<void>): Promise<{ median: number; min: number }> {
  await fn(); // warm-up
  const t: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0] };
}

const weightBytes = (m: BuiltModel) => m.module.parameters().reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1) * 4, 0);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

describe('inference benchmarks', () => {
  it('2D Unet slice-wise and Modified3DUNet sliding window, whole volumes', async () => {
    const acquired = await acquireNodeDevice();
    setBackend('webgpu', { device: acquired.device });
    const adapter = adapterName(acquired.report);
    const rows: Record<string, unknown>[] = [];

    // ---- 2D Unet over 256x256x64 ----------------------------------------------------------------
    const shape2d = QUICK ? [128, 128, 16] : [256, 256, 64];
    manualSeed(1);
    const unet = createModel({ name: 'Unet', in_channel: 1, out_channel: 1, depth: 3, n_filters: NF, is_2d: true, dropout_rate: 0.3 });
    unet.module.eval();
    const image = phantom(shape2d);
    const entry: DatasetEntry = { id: 'bench', filenames: ['bench'], subject: 'b', contrasts: ['T2w'], images: [{ path: 'bench', load: async () => image }], targets: [[null]], roi: null, metadata: {} };
    const compose = Compose.fromConfig({ NormalizeInstance: { applied_to: ['im'] } }, 'testing', { requiresUndo: true });
    const ds = new SegmentationDataset([entry], { target_suffix: ['_seg'], slice_filter_params: { filter_empty_input: true } }, { datasetType: 'testing', mode: { kind: 'slices' }, transforms: compose });
    await ds.prepare();
    const items = itemsByEntry(ds).get(0)!;
    let p2 = new BatchPredictor(unet, { memoryBudgetBytes: BUDGET, maxBatch: 64 });
    const t2 = await timed(async () => {
      p2 = new BatchPredictor(unet, { memoryBudgetBytes: BUDGET, maxBatch: 64 });
      await predictEntry(unet, ds, items, compose, image, { rng: new DataRng(1), predictor: p2 });
    });
    rows.push({ name: `2D Unet nf${NF} slice-wise`, volume: shape2d, ms: t2.median, msMin: t2.min, batch: p2.batchSize, forwards: p2.forwards, peakActivationBytes: p2.peakBytes, weightBytes: weightBytes(unet) });
    unet.module.dispose();

    // ---- Modified3DUNet sliding window over 128x128x64 ---------------------------------------------
    const shape3d = QUICK ? [64, 64, 32] : [128, 128, 64];
    const roi = QUICK ? [32, 32, 16] : [64, 64, 32];
    manualSeed(2);
    const m3d = new Modified3DUNet({ inChannel: 1, outChannel: 1, nFilters: NF });
    m3d.eval();
    const built: BuiltModel = { name: 'Modified3DUNet', module: m3d, task: 'segmentation', conditioning: 'none', is2d: false, inChannel: 1, outputs: 1, forward: (x) => m3d.forward(x) };
    const vol = phantom(shape3d);
    // [H, W, D] C-order = the volume's x-fastest data read as [Z, Y, X]; the benchmark only needs a volume.
    const input = [{ data: vol.data, shape: [shape3d[2], shape3d[1], shape3d[0]] }];
    let p3 = new BatchPredictor(built, { memoryBudgetBytes: BUDGET, maxBatch: 8 });
    let windows = 0;
    const t3 = await timed(async () => {
      p3 = new BatchPredictor(built, { memoryBudgetBytes: BUDGET, maxBatch: 8 });
      await slidingWindowVolume(built, input, { roi: [roi[2], roi[1], roi[0]], overlap: 0.25, blend: 'gaussian', predictor: p3, onProgress: (_d, t) => { windows = t; } });
    });
    rows.push({ name: `Modified3DUNet nf${NF} sliding window (gaussian)`, volume: shape3d, roi, windows, ms: t3.median, msMin: t3.min, batch: p3.batchSize, forwards: p3.forwards, peakActivationBytes: p3.peakBytes, weightBytes: weightBytes(built) });
    m3d.dispose();

    const lines = [`adapter: ${adapter}; budget ${mb(BUDGET)} MiB; ${REPS} timed run(s)`];
    for (const r of rows) {
      lines.push(`${String(r.name).padEnd(44)} ${JSON.stringify(r.volume).padEnd(14)} ${(r.ms as number).toFixed(0).padStart(8)} ms  batch ${r.batch}  forwards ${r.forwards}  peak ${mb(r.peakActivationBytes as number)} MiB (+ weights ${mb(r.weightBytes as number)} MiB)`);
    }
    console.log(lines.join('\n'));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/inference.json', JSON.stringify({ adapter, quick: QUICK, budgetBytes: BUDGET, rows }, null, 2));
  });
});
