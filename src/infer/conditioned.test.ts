/**
 * Conditioned models at inference:
 * - the FiLM vector of every item is the training encoder's one-hot of its metadata (a probe model
 *   whose output is context · [1, 2] reveals it on the reconstructed volume);
 * - HeMIS puts the item's contrasts in the model's slots, zeroes and marks absent the others;
 * - FiLMedUnet / HeMISUnet trained one short epoch with trainModel, then runTest writes
 *   predictions on the source grid and the metrics CSV; the FiLM encoder changes the prediction,
 *   a missing film_encoder.json is explained; HeMIS tested with a contrast missing.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, resolveModelParams, type IvadomedConfig } from '../config/index';
import {
  DataRng, FilmEncoder, SegmentationDataset, createMemorySource, entriesFromBids, generateSyntheticDataset, indexBids, readNifti,
  type LoaderParams, type MemorySource,
} from '../data/index';
import { add, matmul, mul, reshape, setBackend, slice, tensor, type Tensor } from '../engine/index';
import { createModel, type BuiltModel } from '../nn/models/index';
import { datasetMode } from '../train/setup';
import { syntheticTrainingConfig } from '../train/testing';
import { trainModel } from '../train/trainer';
import { InferenceConditioning, loadInferenceConditioning } from './conditioning';
import { inferenceCompose } from './mc';
import { runSegment, runTest } from './run';
import { itemsByEntry, predictEntry } from './segment';

function configOf(raw: Record<string, unknown>): IvadomedConfig {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

/** A probe standing in for a conditioned model: no parameters, output computed from x and the extras. */
function probe(conditioning: 'film' | 'hemis', inChannel: number, forward: BuiltModel['forward']): BuiltModel {
  const module = createModel({ name: 'Unet', in_channel: 1, out_channel: 1, depth: 1, n_filters: 1 }).module;
  return { name: 'Probe', module, task: 'segmentation', conditioning, is2d: true, inChannel, outputs: 1, forward };
}

function filmConfig(): Record<string, unknown> {
  const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
  (raw.loader_parameters as Record<string, unknown>).contrast_params = { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} };
  raw.FiLMedUnet = { applied: true, metadata: 'contrasts', film_layers: [1, 0, 0, 0, 0, 1] };
  return raw;
}

/**
 * A HeMISUnet config; `testing` shorter than the model's contrasts is set after parsing (the config
 * check asks multichannel configs for as many testing as training contrasts; HeMIS needs not).
 */
function hemisConfig(testing: string[]): IvadomedConfig {
  const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
  const lp = raw.loader_parameters as Record<string, unknown>;
  lp.contrast_params = { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} };
  lp.multichannel = true;
  raw.HeMISUnet = { applied: true, missing_probability: 0.5, missing_probability_growth: 0.9, contrasts: ['T1w', 'T2w'] };
  const config = configOf(raw);
  config.loader_parameters.contrast_params.testing = testing;
  return config;
}

async function testDataset(config: IvadomedConfig, data: MemorySource, filter?: (id: string) => boolean) {
  const params = config.loader_parameters as unknown as LoaderParams;
  const { entries } = entriesFromBids(data, await indexBids(data), params, 'testing');
  const compose = inferenceCompose(config, false);
  const chosen = filter ? entries.filter((e) => filter(e.id)) : entries;
  const ds = new SegmentationDataset(chosen, params, { datasetType: 'testing', mode: datasetMode(resolveModelParams(config, 'test')), transforms: compose });
  await ds.prepare();
  return { ds, compose };
}

const nifti = (src: MemorySource, path: string) => {
  const bytes = src.files.get(path);
  if (!bytes) throw new Error(`${path} was not written; files: ${[...src.files.keys()].join(', ')}`);
  return readNifti(bytes, path);
};

const csvRows = (src: MemorySource) => new TextDecoder().decode(src.files.get('results_eval/evaluation_3Dmetrics.csv')!).trim().split('\n');

describe('conditioned models at inference', async () => {
  const dataset = await generateSyntheticDataset({ subjects: 4 });

  it('FiLM: each item gets the one-hot of its own contrast from the saved encoder', async () => {
    setBackend('cpu');
    const config = configOf(filmConfig());
    const encoder = FilmEncoder.fit('contrasts', [{ metadata: {}, contrasts: ['T1w'], filenames: ['a'] }, { metadata: {}, contrasts: ['T2w'], filenames: ['b'] }]);
    const weights = tensor(new Float32Array([1, 2]), [2, 1]);
    // output = 0 * x + context · [1, 2]: 1 for T1w, 2 for T2w, everywhere
    const model = probe('film', 1, (x: Tensor, extras) => add(mul(x, 0), reshape(matmul(extras!.context!, weights), [x.shape[0], 1, 1, 1])));
    const conditioning = InferenceConditioning.film(model, encoder);
    const { ds, compose } = await testDataset(config, dataset, (id) => id.startsWith('sub-01_'));
    const groups = itemsByEntry(ds);
    expect(ds.entries.map((e) => e.contrasts[0])).toEqual(['T1w', 'T2w']);
    for (const [e, want] of [[0, 1], [1, 2]] as const) {
      const image = await ds.entries[e].images[0].load();
      const [vol] = await predictEntry(model, ds, groups.get(e)!, compose, image, { rng: new DataRng(1), conditioning, maxBatch: 3 });
      expect(vol.shape.slice(0, 3)).toEqual(image.shape.slice(0, 3));
      expect(new Set(vol.data)).toEqual(new Set([want]));
    }
    // Without the encoder the conditioned model is refused with a clear message.
    const image = await ds.entries[0].images[0].load();
    await expect(predictEntry(model, ds, groups.get(0)!, compose, image, { rng: new DataRng(1) })).rejects.toThrow(/FiLM metadata.*loadInferenceConditioning/);
    model.module.dispose();
    weights.dispose();
  });

  it('HeMIS: channels go to the model\'s contrast slots; a missing contrast is zeroed and marked absent', async () => {
    setBackend('cpu');
    const seen: boolean[][][] = [];
    let slot = 0;
    const model = probe('hemis', 2, (x: Tensor, extras) => {
      seen.push(extras!.indexesMod!);
      return slice(x, [null, [slot, slot + 1]]);
    });
    const conditioning = InferenceConditioning.hemis(model, ['T1w', 'T2w']);
    // prepare by hand: a T2w-only item -> [zeros, T2w]
    const prepared = conditioning.prepare([{ data: new Float32Array([3, 4]), shape: [2] }], { metadata: {}, contrasts: ['T2w'], filenames: ['x_T2w'] });
    expect(Array.from(prepared.data)).toEqual([0, 0, 3, 4]);
    expect(prepared.condition.present).toEqual([false, true]);
    expect(() => conditioning.prepare([{ data: new Float32Array(2), shape: [2] }], { metadata: {}, contrasts: ['T2star'], filenames: ['y_T2star'] })).toThrow(/y_T2star: contrast\(s\) T2star were not seen by Probe, trained on T1w, T2w/);

    const config = (hemisConfig(['T2w']));
    const { ds, compose } = await testDataset(config, dataset, (id) => id.startsWith('sub-01_'));
    expect(ds.entries[0].contrasts).toEqual(['T2w']);
    const image = await ds.entries[0].images[0].load();
    const items = itemsByEntry(ds).get(0)!;
    const [t1Slot] = await predictEntry(model, ds, items, compose, image, { rng: new DataRng(1), conditioning, maxBatch: 4 });
    expect(t1Slot.data.every((v) => v === 0)).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((b) => b.every((m) => m[0] === false && m[1] === true))).toBe(true);
    slot = 1;
    const [t2Slot] = await predictEntry(model, ds, items, compose, image, { rng: new DataRng(1), conditioning, maxBatch: 4 });
    expect(t2Slot.data.some((v) => v !== 0)).toBe(true);
    model.module.dispose();
  });

  it('FiLMedUnet trained one epoch: --test writes predictions and the CSV; the encoder matters; a missing encoder is explained', async () => {
    setBackend('cpu');
    const config = configOf(filmConfig());
    const output = createMemorySource('out');
    const trained = await trainModel({ config, data: dataset, output, maxBatchesPerEpoch: 2 });
    const loaded = await loadInferenceConditioning(trained.model, { name: 'FiLMedUnet', in_channel: 1, out_channel: 1, n_metadata: 2 }, output, 'synthetic_unet');
    trained.model.module.dispose();
    expect(loaded.kind).toBe('film');
    expect(Array.from(loaded.contextOf({ metadata: {}, contrasts: ['T2w'], filenames: ['z'] }))).toEqual([0, 1]);

    const logs: string[] = [];
    await runTest({ config, data: dataset, output, onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
    expect(logs.some((m) => /FiLM: metadata "contrasts".*2 values/.test(m))).toBe(true);
    const split = JSON.parse(new TextDecoder().decode(output.files.get('split_datasets.json')!)) as { test: string[] };
    const ids = split.test.map((f) => f.replace('.nii.gz', '')).sort();
    const rows = csvRows(output);
    expect(rows.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(ids);
    const id = ids[0];
    const pred = nifti(output, `pred_masks/${id}_pred.nii.gz`);
    const img = readNifti(new Uint8Array(await dataset.read(`${id.split('_')[0]}/anat/${id}.nii.gz`)));
    expect(pred.shape).toEqual(img.shape);
    expect(pred.affine).toEqual(img.affine);

    // An encoder with the two contrasts' categories swapped gives another FiLM vector, so another prediction.
    const json = JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/film_encoder.json')!));
    await output.write('synthetic_unet/film_encoder.json', JSON.stringify({ ...json, categories: [[...json.categories[0]].reverse()] }));
    await runTest({ config, data: dataset, output });
    const swapped = nifti(output, `pred_masks/${id}_pred.nii.gz`);
    let maxDiff = 0;
    for (let i = 0; i < pred.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pred.data[i] - swapped.data[i]));
    expect(maxDiff).toBeGreaterThan(1e-4);

    output.files.delete('synthetic_unet/film_encoder.json');
    await expect(runTest({ config, data: dataset, output })).rejects.toThrow(/synthetic_unet\/film_encoder\.json.*fitted on the training set.*was not found/);
  }, 60_000);

  it('HeMISUnet trained one epoch: --test with every contrast, then with T1w missing (zeroed, marked absent)', async () => {
    setBackend('cpu');
    const config = (hemisConfig(['T1w', 'T2w']));
    const output = createMemorySource('out');
    const trained = await trainModel({ config, data: dataset, output, maxBatchesPerEpoch: 2 });
    trained.model.module.dispose();
    const logs: string[] = [];
    await runTest({ config, data: dataset, output, onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
    expect(logs).toContain('HeMIS: model contrasts T1w, T2w (all present)');
    const rows = csvRows(output);
    expect(rows.length).toBeGreaterThan(1);
    const id = rows[1].split(',')[0];
    const full = nifti(output, `pred_masks/${id}_pred.nii.gz`);
    const subject = id.split('_')[0];
    const img = readNifti(new Uint8Array(await dataset.read(`${subject}/anat/${subject}_T1w.nii.gz`)));
    expect(full.shape).toEqual(img.shape);
    expect(full.affine).toEqual(img.affine);

    const missing = (hemisConfig(['T2w']));
    logs.length = 0;
    await runTest({ config: missing, data: dataset, output, onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
    expect(logs).toContain('HeMIS: model contrasts T1w, T2w; absent at test: T1w (zeroed, marked missing)');
    const rows2 = csvRows(output);
    expect(rows2.length).toBe(rows.length);
    const partial = nifti(output, `pred_masks/${rows2[1].split(',')[0]}_pred.nii.gz`);
    expect(partial.shape).toEqual(img.shape);
    let maxDiff = 0;
    for (let i = 0; i < full.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full.data[i] - partial.data[i]));
    expect(maxDiff).toBeGreaterThan(1e-4);

    // --segment (multichannel): a subject without T1w is still segmented by HeMIS, the slot marked missing.
    const unlabelled = createMemorySource('unlabelled');
    const copy = ['dataset_description.json', 'participants.tsv', 'sub-01/anat/sub-01_T1w.nii.gz', 'sub-01/anat/sub-01_T1w.json', 'sub-01/anat/sub-01_T2w.nii.gz', 'sub-01/anat/sub-01_T2w.json', 'sub-02/anat/sub-02_T2w.nii.gz', 'sub-02/anat/sub-02_T2w.json'];
    for (const p of copy) await unlabelled.write(p, new Uint8Array(await dataset.read(p)));
    const seg = await runSegment({ config, data: unlabelled, output });
    expect(seg.files.sort()).toEqual(['pred_masks/sub-01_T1w_class-0_pred.nii.gz', 'pred_masks/sub-02_T2w_class-0_pred.nii.gz']);
    expect(nifti(output, 'pred_masks/sub-02_T2w_class-0_pred.nii.gz').shape).toEqual(img.shape);
  }, 60_000);
});
