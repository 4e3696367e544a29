/**
 * The worker's inference runner on a bundle (no OPFS in Node): --test with MC dropout writes the
 * prediction, soft and uncertainty maps and returns the evaluation CSV parsed, with each subject's
 * image, ground truth and output paths; --segment on ONNX wasm gives the same masks as the engine.
 * Plus the pure helpers (CSV parsing, output roles).
 */
import { gunzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../bundle/index';
import { parseConfig } from '../config/index';
import { createMemorySource, generateSyntheticDataset, readNifti } from '../data/index';
import { setBackend } from '../engine/index';
import { syntheticTrainingConfig } from '../train/testing';
import { trainModel } from '../train/trainer';
import { testDevice } from '../../test/gpu';
import { createInferenceRunner, outputRole, parseCsv, type InferResult } from './inference';

describe('parseCsv / outputRole', () => {
  it('parses quoted fields, empty cells and CRLF', () => {
    const t = parseCsv('image_id,dice_class0,rvd_class0\r\n"sub-01_T2w",0.5,\r\n"a,""b""",1.0,-0.1\n');
    expect(t.columns).toEqual(['image_id', 'dice_class0', 'rvd_class0']);
    expect(t.rows).toEqual([
      { image_id: 'sub-01_T2w', dice_class0: '0.5', rvd_class0: '' },
      { image_id: 'a,"b"', dice_class0: '1.0', rvd_class0: '-0.1' },
    ]);
    expect(() => parseCsv('a,b\n1\n')).toThrow(/line 2: 1 fields for 2 columns/);
  });

  it('names each output of an id', () => {
    expect(outputRole('pred_masks/sub-01_T2w_pred.nii.gz', 'sub-01_T2w')).toBe('pred');
    expect(outputRole('pred_masks/sub-01_T2w_soft.nii.gz', 'sub-01_T2w')).toBe('soft');
    expect(outputRole('pred_masks/sub-01_T2w_unc-vox.nii.gz', 'sub-01_T2w')).toBe('unc-vox');
    expect(outputRole('pred_masks/sub-01_T2w_unc-avgUnc.nii.gz', 'sub-01_T2w')).toBe('unc-avgUnc');
    expect(outputRole('pred_masks/sub-01_T2w_pred_TP-FP-FN.nii.gz', 'sub-01_T2w')).toBe('TP-FP-FN');
    expect(outputRole('pred_masks/sub-01_T2w_class-0_pred.nii.gz', 'sub-01_T2w')).toBe('class-0');
    expect(outputRole('pred_masks/sub-01_T2w_pred_00.nii.gz', 'sub-01_T2w')).toBeNull();
    expect(outputRole('pred_masks/sub-02_T2w_pred.nii.gz', 'sub-01_T2w')).toBeNull();
  });
});

describe('createInferenceRunner (bundle, synthetic data)', () => {
  let bundle: Uint8Array;
  const runner = createInferenceRunner(async () => {
    const acquired = await testDevice();
    if (!acquired) throw new Error('no WebGPU adapter');
    return acquired;
  }, () => false);

  beforeAll(async () => {
    setBackend('cpu');
    const parsed = parseConfig(syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2, batchSize: 4 }));
    if (!parsed.ok) throw new Error('config');
    const output = createMemorySource('output');
    const result = await trainModel({ config: parsed.config, data: await generateSyntheticDataset(), output, maxBatchesPerEpoch: 2, seed: 3 });
    result.model.module.dispose();
    bundle = await createBundle(output, 'synthetic_unet');
  }, 60_000);

  it('--test with MC dropout: prediction, soft and uncertainty maps, the table parsed, subjects with their files', async () => {
    const events: string[] = [];
    const r: InferResult = await runner.infer(
      { kind: 'test', data: { kind: 'synthetic' }, model: { kind: 'bundle', bytes: bundle }, uncertainty: { epistemic: true, aleatoric: false, n_it: 2 }, backend: 'engine' },
      (e) => events.push(e.type),
    );
    expect(r.output.kind).toBe('memory');
    expect(r.table).not.toBeNull();
    expect(r.table!.columns[0]).toBe('image_id');
    expect(r.table!.columns).toContain('dice_class0');
    expect(r.table!.rows.length).toBeGreaterThan(0);
    const subject = r.subjects[0];
    expect(subject.id).toBe(r.table!.rows[0].image_id);
    expect(Object.keys(subject.outputs).sort()).toEqual(['TP-FP-FN', 'pred', 'soft', 'unc-avgUnc', 'unc-cv', 'unc-iou', 'unc-vox']);
    expect(subject.image!.path).toBe(`${subject.id.split('_')[0]}/anat/${subject.id}.nii.gz`);
    expect(subject.groundTruth[0].path).toMatch(/_seg-manual\.nii\.gz$/);
    // Every file came back with its bytes (memory output); the entropy map is a NIfTI on the image's grid.
    expect(r.files.every((f) => f.bytes && f.bytes.byteLength === f.size)).toBe(true);
    const unc = readNifti(r.files.find((f) => f.path === subject.outputs['unc-vox'])!.bytes!, 'unc');
    const image = readNifti(subject.image!.bytes!, 'image');
    expect(unc.shape.slice(0, 3)).toEqual(image.shape.slice(0, 3));
    expect(Number(r.metrics!.dice_class0)).toBeCloseTo(Number(r.table!.rows.reduce((s, row) => s + Number(row.dice_class0), 0) / r.table!.rows.length), 6);
    expect(events).toContain('progress');
  }, 120_000);

  it('--segment on ONNX wasm gives the masks of the engine', async () => {
    const image = 'sub-05/anat/sub-05_T2w.nii.gz';
    const run = (backend: 'engine' | 'onnx-wasm') =>
      runner.infer({ kind: 'segment', data: { kind: 'synthetic' }, model: { kind: 'bundle', bytes: bundle }, backend, images: [image] }, () => undefined);
    const engine = await run('engine');
    const onnx = await run('onnx-wasm');
    expect(onnx.table).toBeNull();
    expect(onnx.subjects.map((s) => s.id)).toEqual(['sub-05_T2w']);
    expect(onnx.subjects[0].outputs['class-0']).toBe('pred_masks/sub-05_T2w_class-0_pred.nii.gz');
    const mask = (r: InferResult) => readNifti(r.files.find((f) => f.path === 'pred_masks/sub-05_T2w_class-0_pred.nii.gz')!.bytes!, 'pred').data;
    const a = mask(engine);
    const b = mask(onnx);
    expect(b.length).toBe(a.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(gunzipSync(onnx.files[0].bytes!).byteLength).toBeGreaterThan(348);
  }, 120_000);

  it('refuses while a training holds the engine, and the engine backend without WebGPU (pointing to ONNX wasm)', async () => {
    const busy = createInferenceRunner(async () => { throw new Error('no'); }, () => true);
    await expect(busy.infer({ kind: 'test', data: { kind: 'synthetic' }, model: { kind: 'bundle', bytes: bundle }, backend: 'engine' }, () => undefined)).rejects.toThrow(/training is running/);
    const noGpu = createInferenceRunner(async () => { throw new Error('navigator.gpu is undefined'); }, () => false);
    await expect(noGpu.infer({ kind: 'segment', data: { kind: 'synthetic' }, model: { kind: 'bundle', bytes: bundle }, backend: 'engine' }, () => undefined)).rejects.toThrow(/ONNX \(wasm\)/);
  });
});
