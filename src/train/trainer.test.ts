/**
 * The training loop end to end on the synthetic dataset (in memory): a 2D Unet (depth 3) reaches
 * validation Dice >= 0.9 on WebGPU; outputs are written in ivadomed's layout; stop + resume
 * continues from the checkpoint; bad configs fail with clear messages.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { parseConfig } from '../config/index';
import { createMemorySource, createMergedSource, generateSyntheticDataset } from '../data/index';
import { memory, setBackend } from '../engine/index';
import { decodeSafetensors } from '../nn/index';
import { TrainControl } from './control';
import type { TrainEvent } from './events';
import { syntheticTrainingConfig } from './testing';
import { trainModel } from './trainer';

function configOf(raw: Record<string, unknown>) {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

describe('trainModel on the synthetic dataset', async () => {
  const acquired = await testDevice();
  const dataset = await generateSyntheticDataset();

  it.skipIf(!acquired)('2D Unet depth 3 reaches validation Dice >= 0.9 on WebGPU and writes the output layout', async () => {
    setBackend('webgpu', { device: acquired!.device });
    const output = createMemorySource('output');
    const events: TrainEvent[] = [];
    const before = memory('webgpu').liveTensors;
    const result = await trainModel({ config: configOf(syntheticTrainingConfig({ epochs: 12, lr: 0.02 })), data: dataset, output, onEvent: (e) => events.push(e), adapter: 'test' });
    result.model.module.dispose();
    setBackend('cpu');
    const dices = result.epochs.map((e) => e.metrics.dice_score);
    console.log(`[trainer] val Dice per epoch: ${dices.map((d) => d?.toFixed(3)).join(' ')}; best epoch ${result.bestEpoch}`);
    expect(result.bestValDice!).toBeGreaterThanOrEqual(0.9);
    expect(result.epochs.length).toBe(12);
    expect(memory('webgpu').liveTensors).toBe(before);
    for (const f of ['config_file.json', 'split_datasets.json', 'best_model.safetensors', 'final_model.safetensors', 'checkpoint.json', 'checkpoint.safetensors',
      'training_curves.csv', 'run_record.json', 'synthetic_unet/synthetic_unet.safetensors', 'synthetic_unet/synthetic_unet.json', 'version_info.log', 'bids_dataframe.csv']) {
      expect(output.files.has(f), f).toBe(true);
    }
    const csv = new TextDecoder().decode(output.files.get('training_curves.csv')!);
    expect(csv.split('\n')[0]).toMatch(/^epoch,lr,train_loss,train_dice_loss,val_loss,val_dice_loss,dice_score,/);
    expect(csv.trim().split('\n').length).toBe(13);
    const best = decodeSafetensors(output.files.get('best_model.safetensors')!);
    expect(best.state.get('encoder.down_path.0.conv1.weight')!.shape).toEqual([8, 1, 3, 3]);
    expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(12);
    expect(events.find((e) => e.type === 'start')).toMatchObject({ model: 'Unet', epochs: 12 });
    const split = JSON.parse(new TextDecoder().decode(output.files.get('split_datasets.json')!));
    expect(split.train.length).toBe(3);
  });

  it('stop after epoch 1, resume: continues at epoch 2 with the saved split, optimizer and history (CPU)', async () => {
    setBackend('cpu');
    const output = createMemorySource('output');
    const control = new TrainControl();
    const raw = syntheticTrainingConfig({ epochs: 3, nFilters: 2, depth: 2 });
    const first = await trainModel({
      config: configOf(raw), data: dataset, output, control, maxBatchesPerEpoch: 2,
      onEvent: (e) => { if (e.type === 'epoch' && e.epoch === 1) control.stop(); },
    });
    first.model.module.dispose();
    expect(first.reason).toBe('stopped');
    expect(first.epochs.map((e) => e.epoch)).toEqual([1]);
    const ck = JSON.parse(new TextDecoder().decode(output.files.get('checkpoint.json')!));
    expect(ck.epoch).toBe(1);
    const epochs: number[] = [];
    const second = await trainModel({ config: configOf(raw), data: dataset, output, resume: true, maxBatchesPerEpoch: 2, onEvent: (e) => { if (e.type === 'epoch') epochs.push(e.epoch); } });
    second.model.module.dispose();
    expect(epochs).toEqual([2, 3]);
    expect(second.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(second.reason).toBe('completed');
    // CosineAnnealingLR over 3 epochs continued: lr of epoch 2 = 0.005 * (1 + cos(pi/3)) / 2.
    expect(second.epochs[1].lr).toBeCloseTo(0.005 * 0.75, 8);
  });

  it('validationPreview: one preview per epoch, the same validation slice each time, its Dice from its own arrays (CPU)', async () => {
    setBackend('cpu');
    const previews: Extract<TrainEvent, { type: 'preview' }>[] = [];
    const order: string[] = [];
    const raw = syntheticTrainingConfig({ epochs: 2, nFilters: 2, depth: 2 });
    const r = await trainModel({
      config: configOf(raw), data: dataset, output: createMemorySource('o'), maxBatchesPerEpoch: 1, validationPreview: true,
      onEvent: (e) => {
        if (e.type === 'preview') previews.push(e);
        if (e.type === 'preview' || e.type === 'epoch') order.push(`${e.type}${e.epoch}`);
      },
    });
    r.model.module.dispose();
    expect(order).toEqual(['preview1', 'epoch1', 'preview2', 'epoch2']);
    expect(previews[0].label).toBe(previews[1].label);
    expect(previews[0].label).toMatch(/^sub-\d+, slice \d+$/);
    for (const p of previews) {
      expect(p.image.length).toBe(p.width * p.height);
      expect(p.pred.length).toBe(p.width * p.height);
      const g = p.gt!;
      let inter = 0, sp = 0, sg = 0;
      for (let i = 0; i < g.length; i++) {
        const b = p.pred[i] >= 0.5 ? 1 : 0;
        inter += b * g[i]; sp += b; sg += g[i];
      }
      expect(sg).toBeGreaterThan(0);  // the item with the most foreground was chosen
      expect(p.dice).toBeCloseTo((2 * inter) / (sp + sg), 12);
    }
    // The same slice of the same image: the input is not augmented in validation.
    expect([...previews[1].image]).toEqual([...previews[0].image]);
    // Without the option no preview is sent (the CLI does not need one).
    const quiet: string[] = [];
    const r2 = await trainModel({ config: configOf({ ...raw, training_parameters: { ...(raw.training_parameters as object), training_time: { num_epochs: 1 } } }), data: dataset, output: createMemorySource('o2'), maxBatchesPerEpoch: 1, onEvent: (e) => quiet.push(e.type) });
    r2.model.module.dispose();
    expect(quiet).not.toContain('preview');
  });

  it('gifs (-g 2): two GIFs of random validation slices in gifs/, one frame per epoch (CPU)', async () => {
    setBackend('cpu');
    const output = createMemorySource('o');
    const r = await trainModel({
      config: configOf(syntheticTrainingConfig({ epochs: 3, nFilters: 2, depth: 2 })), data: dataset, output, maxBatchesPerEpoch: 1, gifs: 2,
    });
    r.model.module.dispose();
    const gifs = [...output.files.keys()].filter((f) => f.startsWith('gifs/')).sort();
    expect(gifs).toHaveLength(2);
    for (const g of gifs) {
      expect(g).toMatch(/^gifs\/sub-\d+__T[12]w__\d+\.gif$/);
      const bytes = output.files.get(g)!;
      expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
      // 32x32 slices upscaled by 4, plus the 4-pixel epoch bar.
      expect([bytes[6] | (bytes[7] << 8), bytes[8] | (bytes[9] << 8)]).toEqual([128, 132]);
      // One graphic control extension (21 F9 04) per frame: gifenc writes exactly one before each image.
      let frames = 0;
      for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 0x04 && bytes[i + 7] === 0x00 && bytes[i + 8] === 0x2c) frames++;
      expect(frames).toBe(3);
    }
    expect(r.files).toEqual(expect.arrayContaining(gifs));
    // ivadomed's version_info.log and bids_dataframe.csv.
    const info = new TextDecoder().decode(output.files.get('version_info.log')!);
    expect(info).toMatch(/^ivadomed-web \(\d+\.\d+\.\d+\)\n/);
    expect(info).toMatch(/\nPlatform: Node\.js \d+/);
    expect(info).toContain('\nBackend: cpu\n');
    expect(info).toContain('"model_name": "synthetic_unet"');
    const df = new TextDecoder().decode(output.files.get('bids_dataframe.csv')!).trim().split('\n');
    expect(df[0]).toMatch(/^filename,path,subject,suffix,extension,datatype,/);
    expect(df).toHaveLength(1 + 6 * 2 * 3);  // 6 subjects x 2 contrasts, each image with 2 labels
  });

  it('trains on two datasets read as one (path_data with two folders): the split draws subjects of both (CPU)', async () => {
    setBackend('cpu');
    const a = await generateSyntheticDataset({ subjects: 3 });
    const b = createMemorySource('site-b');
    for (const [p, bytes] of (await generateSyntheticDataset({ subjects: 3, seed: 2 })).files) {
      const text = p === 'participants.tsv' ? new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/sub-0(\d)/g, 'sub-1$1')) : bytes;
      b.files.set(p.replace(/sub-0(\d)/g, 'sub-1$1'), text);
    }
    const r = await trainModel({
      config: configOf(syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 })), data: createMergedSource([a, b]), output: createMemorySource('o'), maxBatchesPerEpoch: 1,
    });
    r.model.module.dispose();
    const split = r.data.split;
    const subjects = [...split.train, ...split.valid, ...split.test].map((f) => f.split('_')[0]);
    expect(new Set(subjects)).toEqual(new Set(['sub-01', 'sub-02', 'sub-03', 'sub-11', 'sub-12', 'sub-13']));
    expect(r.epochs).toHaveLength(1);
  });

  it('pause holds the loop between batches until resumed', async () => {
    setBackend('cpu');
    const control = new TrainControl();
    const seen: string[] = [];
    const run = trainModel({
      config: configOf(syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 })), data: dataset, output: createMemorySource('o'), control, maxBatchesPerEpoch: 3,
      onEvent: (e) => {
        if (e.type === 'batch' || e.type === 'paused' || e.type === 'resumed') seen.push(e.type === 'batch' ? `batch${e.batch}` : e.type);
        if (e.type === 'batch' && e.batch === 1) {
          control.pause();
          setTimeout(() => control.resume(), 50);
        }
      },
    });
    const r = await run;
    r.model.module.dispose();
    expect(seen).toEqual(['batch1', 'paused', 'resumed', 'batch2', 'batch3']);
  });

  it('explains what is wrong: no matching images, read-only output, nothing to resume', async () => {
    setBackend('cpu');
    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
    (raw.loader_parameters as Record<string, unknown>).contrast_params = { training_validation: ['FLAIR'], testing: ['FLAIR'], balance: {} };
    await expect(trainModel({ config: configOf(raw), data: dataset, output: createMemorySource('o') })).rejects.toThrow(/FLAIR/);
    await expect(trainModel({ config: configOf(syntheticTrainingConfig()), data: dataset, output: createMemorySource('o'), resume: true })).rejects.toThrow(/Cannot resume/);
  });
});
