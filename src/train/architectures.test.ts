/**
 * Every architecture trains through the same loop from an ivadomed config (one short epoch each on
 * the synthetic dataset, WebGPU): FiLMedUnet conditioned on contrasts / MRI parameters, HeMISUnet
 * with the missing-modality curriculum, Modified3DUNet on 3D patches, resnet18 slice classification,
 * mixup and balanced sampling, transfer learning from a saved model.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { parseConfig } from '../config/index';
import { createMemorySource, generateSyntheticDataset, type MemorySource } from '../data/index';
import { memory, setBackend } from '../engine/index';
import { decodeSafetensors } from '../nn/index';
import type { TrainEvent } from './events';
import { syntheticTrainingConfig } from './testing';
import { trainModel, type TrainOptions } from './trainer';

function configOf(raw: Record<string, unknown>) {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

describe('architectures through trainModel', async () => {
  const acquired = await testDevice();
  const dataset = await generateSyntheticDataset();

  async function run(raw: Record<string, unknown>, extra: Partial<TrainOptions> = {}) {
    setBackend('webgpu', { device: acquired!.device });
    const before = memory('webgpu').liveTensors;
    const output = (extra.output ?? createMemorySource('out')) as MemorySource;
    const events: TrainEvent[] = [];
    const result = await trainModel({ config: configOf(raw), data: dataset, output, maxBatchesPerEpoch: 2, onEvent: (e) => events.push(e), ...extra });
    result.model.module.dispose();
    expect(memory('webgpu').liveTensors).toBe(before);
    setBackend('cpu');
    const last = result.epochs[result.epochs.length - 1];
    expect(Number.isFinite(last.train_loss)).toBe(true);
    expect(Number.isFinite(last.val_loss)).toBe(true);
    return { result, output, events };
  }

  it.skipIf(!acquired)('FiLMedUnet on "contrasts": encoder fitted on training data and saved with the model', async () => {
    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2 });
    (raw.loader_parameters as Record<string, unknown>).contrast_params = { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} };
    raw.FiLMedUnet = { applied: true, metadata: 'contrasts', film_layers: [1, 0, 0, 0, 0, 1] };
    const { result, output } = await run(raw);
    expect(result.model.name).toBe('FiLMedUnet');
    const enc = JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/film_encoder.json')!));
    expect(enc.kind).toBe('contrasts');
    const w = decodeSafetensors(output.files.get('best_model.safetensors')!).state;
    // 2 contrasts -> one-hot of length 2 feeds the first FiLM generator.
    expect(w.get('encoder.down_path.1.generator.linear1.weight')!.shape).toEqual([64, 2]);
  });

  it.skipIf(!acquired)('FiLMedUnet on "mri_params" (KDE clusters of FlipAngle / RepetitionTime / EchoTime + Manufacturer)', async () => {
    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2 });
    raw.FiLMedUnet = { applied: true, metadata: 'mri_params', film_layers: [0, 0, 1, 0, 0, 0] };
    const { output } = await run(raw);
    const enc = JSON.parse(new TextDecoder().decode(output.files.get('synthetic_unet/film_encoder.json')!));
    expect(enc.kind).toBe('mri_params');
  });

  it.skipIf(!acquired)('HeMISUnet: multichannel T1w+T2w with the missing-modality curriculum', async () => {
    const raw = syntheticTrainingConfig({ epochs: 2, nFilters: 4, depth: 2 });
    (raw.loader_parameters as Record<string, unknown>).contrast_params = { training_validation: ['T1w', 'T2w'], testing: ['T1w', 'T2w'], balance: {} };
    (raw.loader_parameters as Record<string, unknown>).multichannel = true;
    raw.HeMISUnet = { applied: true, missing_probability: 0.5, missing_probability_growth: 0.9, contrasts: ['T1w', 'T2w'] };
    const { result, output } = await run(raw);
    expect(result.model.name).toBe('HeMISUnet');
    const ck = JSON.parse(new TextDecoder().decode(output.files.get('checkpoint.json')!));
    // p after 2 epochs: (0.5 ** 0.9) ** 0.9
    expect(ck.missingProbability).toBeCloseTo((0.5 ** 0.9) ** 0.9, 10);
    const w = decodeSafetensors(output.files.get('final_model.safetensors')!).state;
    expect([...w.keys()].some((k) => k.startsWith('Encoder_mod.Encoder_T2w.'))).toBe(true);
  });

  it.skipIf(!acquired)('Modified3DUNet on 16^3 patches', async () => {
    const raw = syntheticTrainingConfig({ epochs: 1, batchSize: 2 });
    raw.Modified3DUNet = { applied: true, length_3D: [16, 16, 16], stride_3D: [16, 16, 16], attention: false, n_filters: 2 };
    const { result, events } = await run(raw);
    expect(result.model.name).toBe('Modified3DUNet');
    expect(result.data.mode.kind).toBe('patches3d');
    expect(events.find((e) => e.type === 'start')).toMatchObject({ model: 'Modified3DUNet' });
  });

  it.skipIf(!acquired)('resnet18 classifies slices (label = any voxel of the slice), with mixup and balanced sampling', async () => {
    const raw = syntheticTrainingConfig({ epochs: 1, batchSize: 4 });
    raw.resnet18 = { applied: true };
    const tp = raw.training_parameters as Record<string, unknown>;
    tp.loss = { name: 'BinaryCrossEntropyLoss' };
    tp.mixup_alpha = 0.4;
    tp.balance_samples = { applied: true, type: 'gt' };
    const { result } = await run(raw);
    expect(result.model.task).toBe('classification');
    expect(result.epochs[0].metrics.dice_score).not.toBeUndefined();
  });

  it.skipIf(!acquired)('transfer learning: retrain_model loads the weights, freezes the first layers', async () => {
    const base = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
    const first = await run(base);
    const pretrained = first.output.files.get('synthetic_unet/synthetic_unet.safetensors')!;
    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
    (raw.training_parameters as Record<string, unknown>).transfer_learning = { retrain_model: 'pretrained.safetensors', retrain_fraction: 0.5, reset: false };
    const { events, output } = await run(raw, { readPretrained: async (p) => { expect(p).toBe('pretrained.safetensors'); return pretrained; } });
    expect(events.some((e) => e.type === 'log' && /Transfer learning from pretrained.safetensors: \d+ parameter tensors frozen/.test(e.message))).toBe(true);
    // Frozen first conv: identical to the pretrained weights after training.
    const before = decodeSafetensors(pretrained).state.get('encoder.down_path.0.conv1.weight')!.data;
    const after = decodeSafetensors(output.files.get('final_model.safetensors')!).state.get('encoder.down_path.0.conv1.weight')!.data;
    expect(Array.from(after)).toEqual(Array.from(before));
    const lastBefore = decodeSafetensors(pretrained).state.get('decoder.last_conv.weight')!.data;
    const lastAfter = decodeSafetensors(output.files.get('final_model.safetensors')!).state.get('decoder.last_conv.weight')!.data;
    expect(Array.from(lastAfter)).not.toEqual(Array.from(lastBefore));
  });

  it.skipIf(!acquired)('multi-class output (cord + lesions, softmax, channel 0 dropped) with MultiClassDiceLoss and soft ground truth', async () => {
    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 4, depth: 2, model: { final_activation: 'softmax' } });
    (raw.loader_parameters as Record<string, unknown>).target_suffix = ['_seg-manual', '_lesion-manual'];
    (raw.loader_parameters as Record<string, unknown>).soft_gt = true;
    (raw.training_parameters as Record<string, unknown>).loss = { name: 'MultiClassDiceLoss', classes_of_interest: null };
    const { result, output } = await run(raw);
    expect(result.model.outputs).toBe(2);
    const w = decodeSafetensors(output.files.get('final_model.safetensors')!).state;
    // out_channel = 2 targets + background
    expect(w.get('decoder.last_conv.weight')!.shape).toEqual([3, 4, 3, 3]);
    expect(result.epochs[0].metrics.multi_class_dice_score).not.toBeNull();
  });
});
