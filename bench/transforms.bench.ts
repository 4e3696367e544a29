/**
 * Transform and dataset benchmark (CPU): milliseconds per call of every transform on a 2D slice
 * (256 x 256) and a 3D volume (BENCH_3D, default 96x96x32), and the item throughput of a training
 * SegmentationDataset over a synthetic BIDS dataset (2D slices with a typical augmentation config).
 * Run with `npm run bench -- transforms`; prints a table and writes bench-results/transforms.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { indexBids } from '../src/data/bids/indexer';
import { Compose } from '../src/data/transforms/compose';
import { SegmentationDataset, entriesFromBids } from '../src/data/dataset/index';
import { DataRng } from '../src/data/rng';
import { generateSyntheticDataset } from '../src/data/synthetic/generate';
import { applyTransform, createTransform, type NdArray, type TransformSample } from '../src/data/transforms/index';

const SHAPE_3D = (process.env.BENCH_3D ?? '96x96x32').split('x').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 3);

const CONFIGS: [string, Record<string, unknown>][] = [
  ['Resample', { hspace: 0.75, wspace: 0.75, dspace: 0.75 }],
  ['CenterCrop', { size: [128, 128, 16] }],
  ['NormalizeInstance', {}],
  ['RandomAffine', { degrees: 10, translate: [0.1, 0.1, 0.1], scale: [0.1, 0.1, 0.1] }],
  ['RandomReverse', {}],
  ['RandomShiftIntensity', { shift_range: [-0.1, 0.1], prob: 1 }],
  ['ElasticTransform', { alpha_range: [28, 30], sigma_range: [3.5, 4.5], p: 1 }],
  ['AdditiveGaussianNoise', { std: 0.02 }],
  ['DilateGT', { dilation_factor: 0.5, applied_to: ['gt'] }],
  ['HistogramClipping', {}],
  ['Clahe', {}],
  ['RandomGamma', { log_gamma_range: [-0.5, 0.5], p: 1 }],
  ['RandomBiasField', { coefficients: 0.5, order: 3, p: 1 }],
  ['RandomBlur', { sigma_range: [0.5, 1.5], p: 1 }],
];

function phantom(shape: number[]): { img: NdArray; seg: NdArray } {
  const n = shape.reduce((a, b) => a * b, 1);
  const img = new Float32Array(n), seg = new Float32Array(n);
  const d = shape[2] ?? 1;
  for (let p = 0; p < n; p++) {
    const k = p % d, j = Math.floor(p / d) % shape[1], i = Math.floor(p / (d * shape[1]));
    const r2 = (i - shape[0] / 2) ** 2 + (j - shape[1] / 2) ** 2;
    seg[p] = r2 < (shape[0] / 6) ** 2 ? 1 : 0;
    img[p] = 100 + 50 * seg[p] + Math.sin(i * 0.3 + k) * 5;
  }
  return { img: { data: img, shape }, seg: { data: seg, shape } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('transforms and dataset throughput', () => {
  it('times every transform (2D and 3D) and a training epoch', async () => {
    const rows: { measure: string; value: number; unit: string; detail: string }[] = [];
    for (const [label, shape] of [['2D', [256, 256]], ['3D', SHAPE_3D]] as const) {
      const { img, seg } = phantom([...shape]);
      for (const [name, params] of CONFIGS) {
        const p = name === 'CenterCrop' && label === '2D' ? { size: [128, 128] } : name === 'Clahe' && label === '3D' ? { kernel_size: [8, 8, 8] } : params;
        const t = createTransform(name, p);
        const times: number[] = [];
        for (let r = 0; r < REPS; r++) {
          const s: TransformSample = { input: [img], gt: [seg], roi: [], meta: { zooms: [1, 1, 1], applied: [] } };
          const t0 = performance.now();
          applyTransform(t, s, new DataRng(r));
          times.push(performance.now() - t0);
        }
        rows.push({ measure: `${name} ${label}`, value: median(times), unit: 'ms', detail: `image + label, [${shape.join(', ')}]` });
      }
    }
    const source = await generateSyntheticDataset({ subjects: 8, seed: 1, shape: [64, 64, 16] });
    const index = await indexBids(source);
    const params = { target_suffix: ['_seg-manual'], contrast_params: { training_validation: ['T1w', 'T2w'], testing: [] }, slice_filter_params: { filter_empty_mask: true, filter_empty_input: true } };
    const { entries } = entriesFromBids(source, index, params, 'training');
    const transforms = Compose.fromConfig({ Resample: { hspace: 0.8, wspace: 0.8 }, CenterCrop: { size: [48, 48] }, RandomAffine: { degrees: 5, scale: [0.1, 0.1], translate: [0.03, 0.03] }, ElasticTransform: { alpha_range: [28, 30], sigma_range: [3.5, 4.5], p: 0.1 }, NormalizeInstance: { applied_to: ['im'] } }, 'training');
    const ds = new SegmentationDataset(entries, params, { datasetType: 'training', mode: { kind: 'slices' }, transforms, cacheBytes: 8 * 1024 * 1024 });
    let t0 = performance.now();
    await ds.prepare();
    rows.push({ measure: 'dataset prepare', value: performance.now() - t0, unit: 'ms', detail: `${entries.length} volumes 64x64x16 -> ${ds.length} slices` });
    const rng = new DataRng(1);
    t0 = performance.now();
    for (let i = 0; i < ds.length; i++) await ds.getItem(i, rng);
    const s = (performance.now() - t0) / 1000;
    rows.push({ measure: 'training items', value: ds.length / s, unit: 'items/s', detail: 'Resample + CenterCrop 48² (cached) + RandomAffine + Elastic p=0.1 + Normalize' });
    console.table(rows.map((r) => ({ ...r, value: Number(r.value.toFixed(2)) })));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/transforms.json', JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  });
});
