/**
 * PNG outputs of 2D image inputs (ivadomed pred_to_png): classToPng by hand, then --test on
 * ivadomed-data-testing's microscopy_png (axon + myelin) and --segment on data_test_png_tif (PNG and
 * TIF) with a tiny Unet saved in the trained-model layout: `<id>_class-<k>_pred.png` (8-bit,
 * value x 255 truncated) beside the NIfTI, with the source image's width and height, pixel for
 * pixel the NIfTI's values; painted TP/FP/FN maps x 85.
 */
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { parseConfig, type IvadomedConfig } from '../config/index';
import { createMemorySource, readImage2D, readNifti, type FileSource, type MemorySource } from '../data/index';
import { createNodeSource } from '../data/node';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../data/testdata';
import { manualSeed, setBackend } from '../engine/index';
import { encodeSafetensors } from '../nn/index';
import { createModel } from '../nn/models/index';
import { modelSpecFor } from '../train/trainer';
import { classToPng, isImage2DPath } from './png';
import { runSegment, runTest } from './run';

function configOf(raw: Record<string, unknown>): IvadomedConfig {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

/** A tiny axon/myelin Unet config; Resample to 0.4 um keeps the images ~180 px. No postprocessing: soft outputs. */
function microscopyConfig(): IvadomedConfig {
  return configOf({
    command: 'test', path_output: 'output', model_name: 'micro_unet',
    loader_parameters: {
      path_data: ['microscopy_png'], target_suffix: ['_seg-axon-manual', '_seg-myelin-manual'], extensions: ['.png'],
      contrast_params: { training_validation: ['SEM'], testing: ['SEM'], balance: {} },
      slice_filter_params: { filter_empty_mask: false, filter_empty_input: true }, slice_axis: 'axial', multichannel: false,
    },
    split_dataset: { fname_split: null, random_seed: 6, split_method: 'participant_id', data_testing: { data_type: null, data_value: [] }, balance: null, train_fraction: 0.5, test_fraction: 0.2 },
    training_parameters: { batch_size: 4, loss: { name: 'DiceLoss' }, training_time: { num_epochs: 1 }, scheduler: { initial_lr: 0.001, lr_scheduler: { name: 'CosineAnnealingLR' } } },
    default_model: { name: 'Unet', dropout_rate: 0.1, bn_momentum: 0.1, depth: 2, is_2d: true, n_filters: 2, final_activation: 'sigmoid' },
    transformation: { Resample: { hspace: 0.0004, wspace: 0.0004 }, CenterCrop: { size: [160, 160] }, NormalizeInstance: { applied_to: ['im'] } },
    postprocessing: {},
  });
}

async function savedModel(config: IvadomedConfig, test: string[]): Promise<MemorySource> {
  const output = createMemorySource('output');
  manualSeed(5);
  const spec = modelSpecFor(config, null);
  const model = createModel(spec);
  await output.write(`${config.model_name}/${config.model_name}.safetensors`, encodeSafetensors(await model.module.stateDict()));
  await output.write(`${config.model_name}/${config.model_name}.json`, JSON.stringify({ ...config, ivadomed_web: { model: spec } }));
  await output.write('split_datasets.json', JSON.stringify({ train: [], valid: [], test }));
  model.module.dispose();
  return output;
}

function png(src: MemorySource, path: string) {
  const bytes = src.files.get(path);
  if (!bytes) throw new Error(`${path} was not written; files: ${[...src.files.keys()].join(', ')}`);
  return decode(bytes);
}

/** Every pixel (row, col) of class k's PNG is trunc(value * 255 / max) of NIfTI voxel (row, col, 0, k). */
function expectPngMatches(image: { width: number; height: number; data: ArrayLike<number>; channels: number; depth: number }, volume: Float32Array, k: number, maxValue: number): void {
  expect(image.channels).toBe(1);
  expect(image.depth).toBe(8);
  const H = image.height, W = image.width, n = H * W;
  let bad = -1;
  for (let row = 0; row < H && bad < 0; row++) {
    for (let col = 0; col < W; col++) {
      const want = Math.min(255, Math.max(0, Math.trunc((volume[k * n + row + H * col] * 255) / maxValue)));
      if (image.data[row * W + col] !== want) { bad = row * W + col; break; }
    }
  }
  expect(bad).toBe(-1);
}

async function dimsOf(source: FileSource, path: string): Promise<{ width: number; height: number }> {
  const v = readImage2D(new Uint8Array(await source.read(path)), { name: path, defaultPixelSizeMm: [1, 1, 1] });
  return { width: v.raster.width, height: v.raster.height };
}

describe('PNG outputs for 2D image inputs', () => {
  it('classToPng: value x 255 / max truncated and clamped, row-major from a (H, W, 1) volume', () => {
    // H = 2 rows, W = 3 columns, Fortran order: data[row + 2 * col]
    const data = new Float32Array([0, 1, 0.5, 0.999, 1.5, -0.2, /* class 1 */ 3, 2, 1, 0, 0, 3]);
    const p0 = decode(classToPng({ data, shape: [2, 3, 1, 2] }, 0));
    expect([p0.width, p0.height, p0.channels, p0.depth]).toEqual([3, 2, 1, 8]);
    expect(Array.from(p0.data)).toEqual([0, 127, 255, 255, 254, 0]);
    const p1 = decode(classToPng({ data, shape: [2, 3, 1, 2] }, 1, 3));
    expect(Array.from(p1.data)).toEqual([255, 85, 0, 170, 0, 255]);
    expect(() => classToPng({ data: new Float32Array(8), shape: [2, 2, 2] })).toThrow(/one slice/);
    expect(isImage2DPath('a/b_SEM.png')).toBe(true);
    expect(isImage2DPath('a/b_SEM.TIF')).toBe(true);
    expect(isImage2DPath('a/b_T2w.nii.gz')).toBe(false);
  });

  it.skipIf(!hasIvadomedTestData)('--test on microscopy_png writes <id>_class-<k>_pred.png (and painted PNGs) of the image size', async () => {
    setBackend('cpu');
    const data = createNodeSource(`${IVADOMED_TEST_DATA}/microscopy_png`);
    const config = microscopyConfig();
    const output = await savedModel(config, ['sub-rat3_ses-01_sample-data9_SEM.png']);
    const res = await runTest({ config, data, output });
    const id = 'sub-rat3_ses-01_sample-data9_SEM';
    const { width, height } = await dimsOf(data, 'sub-rat3/ses-01/micr/sub-rat3_ses-01_sample-data9_SEM.png');
    expect([width, height]).toEqual([764, 756]);
    const pred = readNifti(output.files.get(`pred_masks/${id}_pred.nii.gz`)!);
    expect(pred.shape).toEqual([height, width, 1, 2]);
    for (const k of [0, 1]) {
      const img = png(output, `pred_masks/${id}_class-${k}_pred.png`);
      expect([img.width, img.height]).toEqual([width, height]);
      expectPngMatches(img, pred.data, k, 1);
      // soft predictions: more than two grey levels
      expect(new Set(img.data).size).toBeGreaterThan(2);
    }
    const painted = readNifti(output.files.get(`pred_masks/${id}_pred_TP-FP-FN.nii.gz`)!);
    for (const k of [0, 1]) {
      const img = png(output, `pred_masks/${id}_class-${k}_pred_TP-FP-FN.png`);
      expectPngMatches(img, painted.data, k, 3);
      const levels = [...new Set(img.data)];
      expect(levels.every((v) => [0, 85, 170, 255].includes(v))).toBe(true);
      expect(levels.length).toBeGreaterThan(1);
    }
    expect(res.files).toContain(`pred_masks/${id}_class-1_pred.png`);
  }, 60_000);

  it.skipIf(!hasIvadomedTestData)('--segment on data_test_png_tif writes a PNG per class for PNG and TIF inputs', async () => {
    setBackend('cpu');
    const data = createNodeSource(`${IVADOMED_TEST_DATA}/data_test_png_tif`);
    const config = microscopyConfig();
    const output = await savedModel(config, []);
    const inputs = ['sub-png/micr/sub-png_sample-8gray_SEM.png', 'sub-tif/micr/sub-tif_sample-8gray_SEM.tif'];
    const res = await runSegment({ config, data, output, images: inputs });
    for (const path of inputs) {
      const stem = path.split('/').pop()!.split('.')[0];
      const { width, height } = await dimsOf(data, path);
      for (const k of [0, 1]) {
        expect(res.files).toContain(`pred_masks/${stem}_class-${k}_pred.png`);
        const nii = readNifti(output.files.get(`pred_masks/${stem}_class-${k}_pred.nii.gz`)!);
        expect(nii.shape).toEqual([height, width, 1]);
        const img = png(output, `pred_masks/${stem}_class-${k}_pred.png`);
        expect([img.width, img.height]).toEqual([width, height]);
        expectPngMatches(img, nii.data, 0, 1);
      }
    }
    // 278 x 266: not square, so rows and columns cannot be swapped unnoticed.
    expect(await dimsOf(data, inputs[0])).toEqual({ width: 278, height: 266 });
  }, 60_000);
});
