/**
 * OnnxBatchPredictor (--onnx) against the engine's BatchPredictor on the CPU backend: the same items
 * in batches (3 items, at most 2 per batch) give the same per-item outputs within 1e-4, for a plain
 * Unet, a FiLMedUnet (conditions -> 'metadata') and a HeMISUnet with a contrast absent in one item
 * (conditions -> 'availability'). The session is opened once and released.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, setBackend } from '../engine/index';
import type { ItemCondition } from './conditioning';
import { BatchPredictor } from './segment';
import { createModel, type ModelSpec } from '../nn/models/index';
import { exportModelOnnx, onnxPreprocessingMetadata } from '../bundle/onnx_model';
import { OnnxBatchPredictor } from './onnx_predictor';
import { onnxMetadata } from '../onnx/index';

setBackend('cpu');
const released: Array<() => Promise<void>> = [];
afterAll(async () => { for (const r of released) await r(); });

async function compare(spec: ModelSpec, itemShape: number[], conditions?: ItemCondition[]): Promise<{ maxDiff: number; opened: number; forwards: number }> {
  const model = createModel(spec);
  model.module.eval();
  const per = itemShape.reduce((a, b) => a * b, 1);
  const inputs = [0, 1, 2].map((k) => seededValues(per, 100 + k, -1, 1));
  const engine = await new BatchPredictor(model, { maxBatch: 2 }).predict(inputs, itemShape, conditions);
  let opened = 0;
  const onnx = new OnnxBatchPredictor(model, { maxBatch: 2 }, async () => {
    opened++;
    return exportModelOnnx(model, spec, {});
  });
  released.push(() => onnx.release());
  const ort = await onnx.predict(inputs, itemShape, conditions);
  expect(ort).toHaveLength(3);
  let maxDiff = 0;
  ort.forEach((o, k) => {
    expect(o.length).toBe(engine[k].length);
    for (let i = 0; i < o.length; i++) maxDiff = Math.max(maxDiff, Math.abs(o[i] - engine[k][i]));
  });
  model.module.dispose();
  return { maxDiff, opened, forwards: onnx.forwards };
}

describe('OnnxBatchPredictor (onnxruntime-web wasm) vs the engine', () => {
  it('Unet 2D: same outputs, one session for two batches', async () => {
    const r = await compare({ name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, is_2d: true }, [1, 16, 16]);
    expect(r.maxDiff).toBeLessThan(1e-4);
    expect(r.opened).toBe(1);
    expect(r.forwards).toBe(2);
  });

  it("FiLMedUnet: each item's metadata vector goes to the 'metadata' input", async () => {
    const spec: ModelSpec = { name: 'FiLMedUnet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, n_metadata: 3, film_layers: [1, 1, 1, 1, 1, 1] };
    const conditions = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((v) => ({ context: Float32Array.from(v) }));
    const r = await compare(spec, [1, 16, 16], conditions);
    expect(r.maxDiff).toBeLessThan(1e-4);
    // Without the vectors: the predictor says what is missing.
    const model = createModel(spec);
    const onnx = new OnnxBatchPredictor(model, {}, () => exportModelOnnx(model, spec, {}));
    released.push(() => onnx.release());
    await expect(onnx.predict([new Float32Array(256)], [1, 16, 16])).rejects.toThrow(/needs every item's FiLM metadata vector/);
    model.module.dispose();
  });

  it("HeMISUnet: contrast availability per item goes to 'availability'", async () => {
    const spec: ModelSpec = { name: 'HeMISUnet', in_channel: 3, out_channel: 1, depth: 2, n_filters: 4, contrasts: ['T1w', 'T2w', 'T2star'] };
    const conditions = [[true, false, true], [true, true, true], [false, true, false]].map((present) => ({ present }));
    const r = await compare(spec, [3, 16, 16], conditions);
    expect(r.maxDiff).toBeLessThan(1e-4);
  });
});

describe('onnxPreprocessingMetadata', () => {
  it('writes the preprocessing summary and its main fields as metadata_props', async () => {
    const spec: ModelSpec = { name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 2, is_2d: true, length_2D: [32, 32], stride_2D: [16, 16] };
    const config = {
      model_name: 'my_model',
      loader_parameters: { slice_axis: 'sagittal', multichannel: false, target_suffix: ['_seg-manual'], contrast_params: { training_validation: ['T1w'], testing: ['T1w'] } },
      transformation: { CenterCrop: { size: [32, 32] }, RandomAffine: { degrees: 5, dataset_type: ['training'] }, NormalizeInstance: { applied_to: ['im'] } },
      postprocessing: { binarize_prediction: { thr: 0.5 } },
    };
    const meta = onnxPreprocessingMetadata(config, spec);
    expect(meta.slice_axis).toBe('sagittal');
    expect(JSON.parse(meta.transforms)).toEqual({ CenterCrop: { size: [32, 32] }, NormalizeInstance: { applied_to: ['im'] } });
    expect(meta.length_2D).toBe('[32,32]');
    expect(meta.stride_2D).toBe('[16,16]');
    expect(meta.length_3D).toBeUndefined();
    expect(meta.ivadomed_model_name).toBe('my_model');
    expect(JSON.parse(meta.postprocessing)).toEqual({ binarize_prediction: { thr: 0.5 } });
    const model = createModel(spec);
    const written = onnxMetadata(await exportModelOnnx(model, spec, config));
    model.module.dispose();
    expect(written).toMatchObject(meta);
    expect(written.model_class).toBe('Unet');
  });
});
