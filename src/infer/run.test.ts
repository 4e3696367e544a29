/**
 * --test and --segment end to end on the synthetic dataset with a tiny Unet saved in the trained-model
 * layout: outputs named as ivadomed, on the source image's grid (shape and affine read back), the
 * metrics CSV agrees with the written files, uncertainty files are consistent, errors are clear.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type IvadomedConfig } from '../config/index';
import { createMemorySource, generateSyntheticDataset, readNifti, type MemorySource } from '../data/index';
import { manualSeed, setBackend } from '../engine/index';
import { encodeSafetensors } from '../nn/index';
import { createModel } from '../nn/models/index';
import { syntheticTrainingConfig } from '../train/testing';
import { modelSpecFor } from '../train/trainer';
import { loadTrainedModel } from './model';
import { runSegment, runTest } from './run';

function configOf(raw: Record<string, unknown>): IvadomedConfig {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

const TEST = ['sub-05_T2w.nii.gz', 'sub-06_T2w.nii.gz'];

async function savedModel(config: IvadomedConfig): Promise<MemorySource> {
  const output = createMemorySource('output');
  manualSeed(11);
  const spec = modelSpecFor(config, null);
  const model = createModel(spec);
  await output.write(`${config.model_name}/${config.model_name}.safetensors`, encodeSafetensors(await model.module.stateDict()));
  await output.write(`${config.model_name}/${config.model_name}.json`, JSON.stringify({ ...config, ivadomed_web: { model: spec } }));
  await output.write('split_datasets.json', JSON.stringify({ train: ['sub-01_T2w.nii.gz', 'sub-02_T2w.nii.gz', 'sub-03_T2w.nii.gz'], valid: ['sub-04_T2w.nii.gz'], test: TEST }));
  model.module.dispose();
  return output;
}

const nifti = (src: MemorySource, path: string) => {
  const bytes = src.files.get(path);
  if (!bytes) throw new Error(`${path} was not written; files: ${[...src.files.keys()].join(', ')}`);
  return readNifti(bytes, path);
};

describe('runTest / runSegment', async () => {
  const dataset = await generateSyntheticDataset();

  it('--test writes pred_masks on the source grid and an evaluation CSV that matches the files; -t picks a threshold', async () => {
    setBackend('cpu');
    const config = configOf({ ...syntheticTrainingConfig({ nFilters: 2, depth: 2 }), postprocessing: { binarize_prediction: { thr: 0.5 } } });
    const output = await savedModel(config);
    const events: string[] = [];
    const res = await runTest({ config, data: dataset, output, thrIncrement: 0.25, onEvent: (e) => { if (e.type === 'log') events.push(e.message); } });
    expect(res.threshold).toBeDefined();
    expect([0.25, 0.5, 0.75]).toContain(res.threshold);
    const csv = new TextDecoder().decode(output.files.get('results_eval/evaluation_3Dmetrics.csv')!).trim().split('\n');
    expect(csv[0].split(',').slice(0, 3)).toEqual(['image_id', 'vol_pred_class0', 'vol_gt_class0']);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['sub-05_T2w', 'sub-06_T2w']);
    const diceCol = csv[0].split(',').indexOf('dice_class0');
    for (const [k, id] of ['sub-05_T2w', 'sub-06_T2w'].entries()) {
      const pred = nifti(output, `pred_masks/${id}_pred.nii.gz`);
      const img = readNifti(new Uint8Array(await dataset.read(`sub-0${5 + k}/anat/${id}.nii.gz`)));
      const gt = readNifti(new Uint8Array(await dataset.read(`derivatives/labels/sub-0${5 + k}/anat/${id}_seg-manual.nii.gz`)));
      expect(pred.shape).toEqual(img.shape);
      expect(pred.affine).toEqual(img.affine);
      // binarised at the chosen threshold
      expect(pred.data.every((v) => v === 0 || v === 1)).toBe(true);
      let inter = 0, sp = 0, sg = 0;
      for (let i = 0; i < pred.data.length; i++) { inter += pred.data[i] * gt.data[i]; sp += pred.data[i]; sg += gt.data[i]; }
      const dice = sp + sg === 0 ? NaN : (2 * inter) / (sp + sg);
      const row = Number(csv[1 + k].split(',')[diceCol]);
      expect(row).toBeCloseTo(dice, 6);
      expect(nifti(output, `pred_masks/${id}_pred_TP-FP-FN.nii.gz`).shape).toEqual(img.shape);
    }
    expect(res.metrics!.dice_class0).toBeCloseTo((Number(csv[1].split(',')[diceCol]) + Number(csv[2].split(',')[diceCol])) / 2, 6);
    expect(res.files).toContain('results_eval/threshold_analysis.csv');
    expect(events.some((m) => /binarize_prediction.thr/.test(m))).toBe(true);
  });

  it('--test with MC dropout writes _pred_00.., _soft (their mean), the _unc-* maps and _pred = soft >= 1/N', async () => {
    setBackend('cpu');
    const raw = { ...syntheticTrainingConfig({ nFilters: 2, depth: 2, model: { dropout_rate: 0.5 } }), uncertainty: { epistemic: true, aleatoric: false, n_it: 2 } };
    const config = configOf(raw);
    const output = await savedModel(config);
    await runTest({ config, data: dataset, output });
    const id = 'sub-05_T2w';
    const p0 = nifti(output, `pred_masks/${id}_pred_00.nii.gz`).data, p1 = nifti(output, `pred_masks/${id}_pred_01.nii.gz`).data;
    const soft = nifti(output, `pred_masks/${id}_soft.nii.gz`).data;
    const hard = nifti(output, `pred_masks/${id}_pred.nii.gz`).data;
    expect(Array.from(p0)).not.toEqual(Array.from(p1));
    for (let i = 0; i < soft.length; i += 7) {
      expect(soft[i]).toBeCloseTo((p0[i] + p1[i]) / 2, 5);
      expect(hard[i]).toBe(soft[i] >= 0.5 ? 1 : 0);
    }
    for (const s of ['_unc-vox', '_unc-iou', '_unc-cv', '_unc-avgUnc']) expect(nifti(output, `pred_masks/${id}${s}.nii.gz`).shape).toEqual([32, 32, 16]);
    expect(output.files.has(`pred_masks/${id}_pred_02.nii.gz`)).toBe(false);
  });

  it('--segment writes <prefix>_class-<k>_pred.nii.gz for images without labels, on their grid', async () => {
    setBackend('cpu');
    const config = configOf(syntheticTrainingConfig({ nFilters: 2, depth: 2 }));
    const output = await savedModel(config);
    const unlabelled = createMemorySource('unlabelled');
    for (const p of ['dataset_description.json', 'participants.tsv', 'sub-02/anat/sub-02_T2w.nii.gz', 'sub-02/anat/sub-02_T2w.json']) await unlabelled.write(p, new Uint8Array(await dataset.read(p)));
    const res = await runSegment({ config, data: unlabelled, output });
    expect(res.files).toEqual(['pred_masks/sub-02_T2w_class-0_pred.nii.gz']);
    const pred = nifti(output, res.files[0]);
    const img = readNifti(new Uint8Array(await dataset.read('sub-02/anat/sub-02_T2w.nii.gz')));
    expect(pred.shape).toEqual(img.shape);
    expect(pred.affine).toEqual(img.affine);
    expect(pred.data.some((v) => v > 0)).toBe(true);
  });

  it('--segment with multichannel: one prediction per subject with every contrast, in contrast order; incomplete subjects left out', async () => {
    setBackend('cpu');
    const raw = syntheticTrainingConfig({ nFilters: 2, depth: 2 });
    Object.assign(raw.loader_parameters as Record<string, unknown>, { multichannel: true, contrast_params: { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} } });
    const config = configOf(raw);
    const output = await savedModel(config);
    expect(JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/synthetic_unet.json')!)).ivadomed_web.model.in_channel).toBe(2);
    const unlabelled = createMemorySource('unlabelled');
    const copy = ['dataset_description.json', 'participants.tsv', 'sub-01/anat/sub-01_T1w.nii.gz', 'sub-01/anat/sub-01_T2w.nii.gz', 'sub-02/anat/sub-02_T2w.nii.gz'];
    for (const p of copy) await unlabelled.write(p, new Uint8Array(await dataset.read(p)));
    const warnings: string[] = [];
    const res = await runSegment({ config, data: unlabelled, output, onEvent: (e) => { if (e.type === 'log' && e.level === 'warning') warnings.push(e.message); } });
    expect(res.files).toEqual(['pred_masks/sub-01_T1w_class-0_pred.nii.gz']);
    expect(warnings).toEqual(['multichannel: sub-02 lacks contrast(s) T1w: not segmented (only HeMISUnet accepts missing contrasts).']);
    const img = readNifti(new Uint8Array(await dataset.read('sub-01/anat/sub-01_T1w.nii.gz')));
    expect(nifti(output, res.files[0]).shape).toEqual(img.shape);
    // Swapping the two channels' files changes the prediction: both channels reach the model, in order.
    const swapped = createMemorySource('swapped');
    for (const p of ['dataset_description.json', 'participants.tsv']) await swapped.write(p, new Uint8Array(await dataset.read(p)));
    await swapped.write('sub-01/anat/sub-01_T1w.nii.gz', new Uint8Array(await dataset.read('sub-01/anat/sub-01_T2w.nii.gz')));
    await swapped.write('sub-01/anat/sub-01_T2w.nii.gz', new Uint8Array(await dataset.read('sub-01/anat/sub-01_T1w.nii.gz')));
    const out2 = await savedModel(config);
    await runSegment({ config, data: swapped, output: out2 });
    const a = nifti(output, res.files[0]).data, b = nifti(out2, res.files[0]).data;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeGreaterThan(1e-4);
  });

  it('explains a missing model, weights that do not fit, and a missing split', async () => {
    setBackend('cpu');
    const config = configOf(syntheticTrainingConfig({ nFilters: 2, depth: 2 }));
    await expect(loadTrainedModel(createMemorySource('empty'), 'synthetic_unet')).rejects.toThrow(/synthetic_unet\/synthetic_unet\.json.*Train first/);
    const output = await savedModel(config);
    const json = JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/synthetic_unet.json')!));
    json.ivadomed_web.model.n_filters = 4;
    await output.write('synthetic_unet/synthetic_unet.json', JSON.stringify(json));
    await expect(loadTrainedModel(output, 'synthetic_unet')).rejects.toThrow(/do not fit the Unet/);
    const noSplit = await savedModel(config);
    noSplit.files.delete('split_datasets.json');
    await expect(runTest({ config, data: dataset, output: noSplit })).rejects.toThrow(/split_datasets\.json.*Train first/);
  });
});
