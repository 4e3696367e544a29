/**
 * Model bundles: a tiny Unet trained for one short epoch on the synthetic dataset is bundled, read
 * back (members, sha256 checked against node:crypto, manifest summary), turned back into a model
 * folder that segments a volume byte-identically to the original folder, and loaded as a model
 * whose output equals loadTrainedModel's. A FiLMedUnet bundle carries its encoder. Damaged bundles
 * (truncated, missing weights, tampered weights, weights of another shape, wrong format, other
 * version, unlisted member) each fail with their own message.
 */
import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type IvadomedConfig } from '../config/index';
import { createMemorySource, generateSyntheticDataset, type MemorySource } from '../data/index';
import { manualSeed, noGrad, randn, setBackend } from '../engine/index';
import { encodeSafetensors } from '../nn/index';
import { createModel } from '../nn/models/index';
import { loadInferenceConditioning } from '../infer/conditioning';
import { loadTrainedModel } from '../infer/model';
import { runSegment } from '../infer/run';
import { syntheticTrainingConfig } from '../train/testing';
import { modelSpecFor, trainModel } from '../train/trainer';
import {
  BUNDLE_FORMAT, assembleBundle, bundleConfig, bundleFileName, bundleModelSource, bundleToModelFolder, createBundle,
  loadBundleModel, readBundle, testingTransforms,
} from './index';

function configOf(raw: Record<string, unknown>): IvadomedConfig {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

const CREATED = '2024-01-02T03:04:05.000Z';
const IMAGE = 'sub-05/anat/sub-05_T2w.nii.gz';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Unzips, edits the members, zips again (no sha recomputation: what a damaged or hand-edited bundle looks like). */
function rezip(bundle: Uint8Array, edit: (m: Record<string, Uint8Array>) => void): Uint8Array {
  const members = unzipSync(bundle);
  edit(members);
  return zipSync(members);
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<string> {
  const err = await readBundle(bytes).then(() => null, (e: unknown) => e as Error);
  expect(err, `expected an error matching ${pattern}`).toBeInstanceOf(Error);
  expect(err!.message).toMatch(pattern);
  return err!.message;
}

describe('model bundles', () => {
  let dataset: MemorySource;
  let output: MemorySource;
  let config: IvadomedConfig;
  let bundle: Uint8Array;

  beforeAll(async () => {
    setBackend('cpu');
    dataset = await generateSyntheticDataset();
    config = configOf(syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2, batchSize: 4 }));
    output = createMemorySource('output');
    const result = await trainModel({ config, data: dataset, output, maxBatchesPerEpoch: 2, seed: 3 });
    result.model.module.dispose();
    bundle = await createBundle(output, 'synthetic_unet', { created: CREATED });
  }, 60_000);

  it('round trip: members, sha256, manifest summary; deterministic bytes', async () => {
    const read = await readBundle(bundle);
    const weights = output.files.get('synthetic_unet/synthetic_unet.safetensors')!;
    const described = JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/synthetic_unet.json')!));
    const m = read.manifest;
    expect(m.format).toBe('ivadomed-web-bundle');
    expect(m.version).toBe(1);
    expect(m.created).toBe(CREATED);
    expect(m.model_name).toBe('synthetic_unet');
    expect(m.model).toEqual(described.ivadomed_web.model);
    expect(m.best_epoch).toBe(1);
    expect(m.classes).toEqual(['_seg-manual']);
    expect(m.preprocessing.slice_axis).toBe('axial');
    expect(m.preprocessing.contrasts).toEqual({ training_validation: ['T2w'], testing: ['T2w'] });
    expect(m.preprocessing.in_channel).toBe(1);
    expect(m.preprocessing.out_channel).toBe(1);
    expect(m.preprocessing.transforms).toEqual(testingTransforms(config.transformation));
    expect(m.preprocessing.transforms.NormalizeInstance).toEqual({ applied_to: ['im'] });
    // bytes as trained, sha256 as node:crypto computes it
    expect(read.weights).toEqual(weights);
    const entry = (name: string) => m.files.find((f) => f.name === name)!;
    expect(entry('weights.safetensors')).toEqual({ name: 'weights.safetensors', size: weights.byteLength, sha256: sha(weights) });
    expect(m.files.map((f) => f.name)).toEqual(['config.json', 'weights.safetensors', 'run_record.json']);
    for (const f of m.files) expect(f.sha256).toBe(sha(read.members.get(f.name)!));
    // the config without ivadomed_web; the run record of this training
    const { ivadomed_web: _meta, ...cfg } = described;
    void _meta;
    expect(read.config).toEqual(cfg);
    expect(read.runRecord!.format).toBe('ivadomed-web-run');
    expect(read.runRecord!.epochs).toHaveLength(1);
    expect(read.filmEncoder).toBeNull();
    expect(read.onnx).toBeNull();
    expect(bundleConfig(read).model_name).toBe('synthetic_unet');
    // zip layout: bundle.json first; same inputs -> same bytes
    expect(Object.keys(unzipSync(bundle))).toEqual(['bundle.json', 'config.json', 'weights.safetensors', 'run_record.json']);
    expect(await createBundle(output, 'synthetic_unet', { created: CREATED })).toEqual(bundle);
    expect(bundleFileName(m.model_name)).toBe('synthetic_unet.ivadomed-web.zip');
  });

  it('a bundle turned back into a model folder segments byte-identically to the original folder', async () => {
    setBackend('cpu');
    const read = await readBundle(bundle);
    const original = createMemorySource('seg-original');
    await runSegment({ config, data: dataset, output: original, modelSource: output, modelFolder: 'synthetic_unet', images: [IMAGE] });
    // unpacked under another folder name into another source
    const unpacked = createMemorySource('unpacked');
    const written = await bundleToModelFolder(read, unpacked, 'models/from_bundle');
    expect(written).toEqual(['models/from_bundle/from_bundle.json', 'models/from_bundle/from_bundle.safetensors', 'models/from_bundle/run_record.json']);
    const viaFolder = createMemorySource('seg-bundle');
    await runSegment({ config, data: dataset, output: viaFolder, modelSource: unpacked, modelFolder: 'models/from_bundle', images: [IMAGE] });
    const { source, folder } = await bundleModelSource(read);
    const viaMemory = createMemorySource('seg-memory');
    await runSegment({ config: bundleConfig(read), data: dataset, output: viaMemory, modelSource: source, modelFolder: folder, images: [IMAGE] });
    const pred = 'pred_masks/sub-05_T2w_class-0_pred.nii.gz';
    expect(original.files.get(pred)!.byteLength).toBeGreaterThan(100);
    expect(viaFolder.files.get(pred)).toEqual(original.files.get(pred));
    expect(viaMemory.files.get(pred)).toEqual(original.files.get(pred));
    // ... and a differently-initialised model does not (the comparison can fail)
    manualSeed(99);
    const other = createModel(read.spec);
    const otherWeights = encodeSafetensors(await other.module.stateDict());
    other.module.dispose();
    const otherSource = createMemorySource('other', { 'm/m.json': new TextDecoder().decode(unpacked.files.get('models/from_bundle/from_bundle.json')!), 'm/m.safetensors': otherWeights });
    const viaOther = createMemorySource('seg-other');
    await runSegment({ config, data: dataset, output: viaOther, modelSource: otherSource, modelFolder: 'm', images: [IMAGE] });
    expect(viaOther.files.get(pred)).not.toEqual(original.files.get(pred));
  });

  it('loadBundleModel gives the same outputs as loadTrainedModel', async () => {
    setBackend('cpu');
    const read = await readBundle(bundle);
    const fromBundle = loadBundleModel(read);
    const fromFolder = (await loadTrainedModel(output, 'synthetic_unet')).model;
    manualSeed(5);
    const x = randn([2, 1, 16, 16]);
    const [a, b] = noGrad(() => [fromBundle.forward(x), fromFolder.forward(x)]);
    const av = await a.data(), bv = await b.data();
    expect(av.length).toBe(2 * 16 * 16);
    expect(Array.from(av)).toEqual(Array.from(bv));
    for (const t of [x, a, b]) t.dispose();
    fromBundle.module.dispose();
    fromFolder.module.dispose();
  });

  it('FiLMedUnet: film_encoder.json travels with the bundle and back into the folder; missing encoder is refused', async () => {
    setBackend('cpu');
    const raw = syntheticTrainingConfig({ nFilters: 2, depth: 2 });
    raw.FiLMedUnet = { applied: true, metadata: 'contrasts', film_layers: [1, 0, 0, 0, 0, 0] };
    const cfg = configOf(raw);
    const spec = modelSpecFor(cfg, { kind: 'film', nMetadata: 2 } as never);
    expect(spec.n_metadata).toBe(2);
    const model = createModel(spec);
    const encoder = { format: 'ivadomed-web-film', version: 1, kind: 'contrasts', categories: [[0, 1]] };
    const folder = createMemorySource('film-out', {
      'film/film.json': JSON.stringify({ ...cfg, ivadomed_web: { model: spec, best_epoch: 4 } }),
      'film/film.safetensors': encodeSafetensors(await model.module.stateDict()),
      'film/film_encoder.json': JSON.stringify(encoder),
    });
    model.module.dispose();
    const onnx = new Uint8Array([8, 7, 18, 3, 1, 2, 3]);
    const read = await readBundle(await createBundle(folder, 'film', { onnx, runRecord: false, created: CREATED }));
    expect(read.manifest.files.map((f) => f.name)).toEqual(['config.json', 'weights.safetensors', 'film_encoder.json', 'model.onnx']);
    expect(read.filmEncoder).toEqual(encoder);
    expect(read.onnx).toEqual(onnx);
    expect(read.manifest.best_epoch).toBe(4);
    const { source, folder: dir } = await bundleModelSource(read);
    expect(source.files.get('film/film.onnx')).toEqual(onnx);
    const built = loadBundleModel(read);
    const conditioning = await loadInferenceConditioning(built, read.spec, source, dir);
    expect(conditioning.kind).toBe('film');
    expect(conditioning.encoder!.nMetadata).toBe(2);
    built.module.dispose();
    // the encoder missing from the folder, then from the bundle
    folder.files.delete('film/film_encoder.json');
    await expect(createBundle(folder, 'film')).rejects.toThrow(/FiLM-conditioned but "film\/film_encoder.json".*missing/);
    const stripped = await assembleBundle({ modelName: 'film', spec, config: read.config, weights: read.weights, created: CREATED });
    await rejects(stripped, /FiLM-conditioned but film_encoder.json .* is missing/);
  });

  describe('bad bundles', () => {
    it('not a zip / truncated download', async () => {
      await rejects(bundle.slice(0, Math.floor(bundle.byteLength / 2)), /not a readable zip file .*truncated/);
      await rejects(new TextEncoder().encode('{"format": "ivadomed-web-bundle"}'), /not a readable zip file/);
      await rejects(new Uint8Array(0), /the file is empty/);
    });

    it('missing weights.safetensors', async () => {
      const msg = await rejects(rezip(bundle, (m) => { delete m['weights.safetensors']; }), /weights\.safetensors is missing from the zip \(bundle\.json lists it\)/);
      expect(msg).toMatch(/export the bundle again/);
    });

    it('tampered weights: sha256 mismatch', async () => {
      const tampered = rezip(bundle, (m) => {
        const w = m['weights.safetensors'].slice();
        w[w.length - 1] ^= 0x40;
        m['weights.safetensors'] = w;
      });
      const expected = sha(unzipSync(bundle)['weights.safetensors']);
      const msg = await rejects(tampered, /weights\.safetensors is damaged or was modified: sha256 [0-9a-f]{64}/);
      expect(msg).toContain(`records ${expected}`);
    });

    it('weights of another shape: the parameter and both shapes are named', async () => {
      const read = await readBundle(bundle);
      setBackend('cpu');
      manualSeed(1);
      const wider = createModel({ ...read.spec, n_filters: 4 });
      const weights = encodeSafetensors(await wider.module.stateDict());
      wider.module.dispose();
      const bad = await assembleBundle({ modelName: 'synthetic_unet', spec: read.spec, config: read.config, weights, created: CREATED });
      const msg = await rejects(bad, /the weights weights\.safetensors do not fit the Unet of bundle\.json \(in_channel 1, out_channel 1, depth 2, n_filters 2/);
      expect(msg).toMatch(/has shape \[\d+(, \d+)*\] in the weights but \[\d+(, \d+)*\] in the model/);
      // a model folder with such weights is refused at export already
      const folder = createMemorySource('bad-folder', {
        'm/m.json': new TextDecoder().decode(output.files.get('synthetic_unet/synthetic_unet.json')!),
        'm/m.safetensors': weights,
      });
      await expect(createBundle(folder, 'm')).rejects.toThrow(/"m\/m\.safetensors" do not fit the Unet described in "m\/m\.json"/);
    });

    it('wrong format string, unsupported version, unlisted member, no bundle.json', async () => {
      const edited = (edit: (manifest: Record<string, unknown>) => void) => rezip(bundle, (m) => {
        const manifest = JSON.parse(new TextDecoder().decode(m['bundle.json']));
        edit(manifest);
        m['bundle.json'] = new TextEncoder().encode(JSON.stringify(manifest));
      });
      await rejects(edited((x) => { x.format = 'onnx-model'; }), new RegExp(`format "onnx-model", expected "${BUNDLE_FORMAT}": this is not an ivadomed-web model bundle`));
      await rejects(edited((x) => { x.version = 2; }), /bundle version 2 is not supported; this ivadomed-web reads version 1/);
      await rejects(rezip(bundle, (m) => { m['extra.bin'] = new Uint8Array([1]); }), /extra\.bin is in the zip but not in bundle\.json's file list/);
      await rejects(rezip(bundle, (m) => { delete m['bundle.json']; }), /bundle\.json is missing \(the zip holds config\.json, weights\.safetensors, run_record\.json\)/);
    });
  });

  it('testingTransforms keeps the transforms of dataset_type testing (or none), without the key, in order', () => {
    const transformation = {
      Resample: { wspace: 0.75, hspace: 0.75, dspace: 1 },
      CenterCrop: { size: [48, 48], dataset_type: ['training', 'testing'] },
      RandomAffine: { degrees: 5, dataset_type: ['training'] },
      NormalizeInstance: { applied_to: ['im'] },
    };
    const t = testingTransforms(transformation);
    expect(Object.keys(t)).toEqual(['Resample', 'CenterCrop', 'NormalizeInstance']);
    expect(t.CenterCrop).toEqual({ size: [48, 48] });
    expect(t.Resample).toEqual({ wspace: 0.75, hspace: 0.75, dspace: 1 });
  });
});
