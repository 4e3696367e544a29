/**
 * ONNX import: export (exportOnnx) then import reproduces the engine model exactly (same backend,
 * eval mode: max |diff| = 0) for Unet 2D/3D, FiLMedUnet, HeMISUnet, Modified3DUNet; the structure
 * is inferred without the model_spec metadata (and with anonymous PyTorch-style tensor names); the
 * imported model trains further (Adam + DiceLoss, and trainModel with retrain_model = an .onnx);
 * bad files give messages that name the problem.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index';
import { createMemorySource, generateSyntheticDataset } from '../../data/index';
import { manualSeed, noGrad, seededValues, setBackend, tensor } from '../../engine/index';
import { createLoss } from '../../nn/losses/index';
import { createModel, type BuiltModel, type ForwardExtras, type ModelSpec } from '../../nn/models/factory';
import type { Module } from '../../nn/module';
import { decodeSafetensors, encodeSafetensors } from '../../nn/safetensors';
import { Adam } from '../../train/optim';
import { syntheticTrainingConfig } from '../../train/testing';
import { trainModel } from '../../train/trainer';
import { GraphBuilder, int, ints } from '../builder';
import { exportOnnx } from '../export';
import { importOnnx, pretrainedStateFromFile, readPretrainedWithOnnx } from './index';

const { onnx } = onnxProto;

/** Non-trivial weights, norm parameters and running statistics (defaults 1/0 hide mistakes). */
async function perturb(module: Module, seed: number): Promise<void> {
  const state = await module.stateDict();
  let k = seed;
  for (const [name, entry] of state) {
    const r = seededValues(entry.data.length, k++, -1, 1);
    if (name.endsWith('running_var')) entry.data.set(r.map((v) => 1 + 0.5 * v));
    else if (name.endsWith('running_mean')) entry.data.set(r.map((v) => 0.2 * v));
    else if (entry.shape.length === 1) entry.data.set(r.map((v) => 0.9 + 0.2 * v));
    else entry.data.set(r.map((v) => 0.4 * v));
  }
  module.loadStateDict(state);
}

async function forward(model: BuiltModel, x: Float32Array, dims: number[], extras?: ForwardExtras): Promise<Float32Array> {
  model.module.eval();
  return noGrad(async () => {
    const input = tensor(x, dims);
    const y = model.forward(input, extras);
    const out = Float32Array.from(await y.data());
    input.dispose();
    y.dispose();
    return out;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

async function original(spec: ModelSpec, seed: number): Promise<BuiltModel> {
  setBackend('cpu');
  manualSeed(seed);
  const model = createModel(spec);
  await perturb(model.module, seed * 100);
  return model;
}

/** Decodes, edits and re-encodes an ONNX file. */
function rewrite(bytes: Uint8Array, edit: (m: InstanceType<typeof onnx.ModelProto>) => void): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

/** No model_spec, and every initializer renamed 'onnx::<Op>_<k>' in reverse order (as PyTorch's constant folding does). */
function anonymise(bytes: Uint8Array): Uint8Array {
  return rewrite(bytes, (m) => {
    m.metadataProps = [];
    const g = m.graph!;
    const rename = new Map<string, string>();
    g.initializer!.forEach((t, i) => rename.set(t.name!, `onnx::${t.name!.includes('.') ? 'Param' : 'Const'}_${1000 - i}`));
    for (const t of g.initializer!) t.name = rename.get(t.name!)!;
    for (const n of g.node!) n.input = n.input!.map((x) => rename.get(x) ?? x);
    g.initializer!.reverse();
  });
}

interface RoundTrip {
  spec: ModelSpec;
  dims: number[];
  extras?: ForwardExtras;
}

/** Exports, imports (from `transform(bytes)`), and checks outputs and state dicts are identical. */
async function roundTrip(c: RoundTrip, seed: number, transform: (b: Uint8Array) => Uint8Array = (b) => b) {
  const model = await original(c.spec, seed);
  const bytes = transform(await exportOnnx(model, c.spec));
  const imported = await importOnnx(bytes);
  const x = seededValues(c.dims.reduce((a, b) => a * b, 1), seed + 7);
  const expected = await forward(model, x, c.dims, c.extras);
  const actual = await forward(imported.model, x, c.dims, c.extras);
  const before = await model.module.stateDict();
  const after = await imported.model.module.stateDict();
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [name, e] of before) expect(Array.from(after.get(name)!.data), name).toEqual(Array.from(e.data));
  const diff = maxAbsDiff(actual, expected);
  model.module.dispose();
  imported.model.module.dispose();
  return { diff, imported, expected };
}

const unet2d: ModelSpec = { name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, is_2d: true };
const film: ModelSpec = { name: 'FiLMedUnet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, n_metadata: 3, film_layers: [0, 1, 0, 1, 0, 1], is_2d: true };
const context = () => tensor(Float32Array.from([1, 0, 0, 0, 0, 1]), [2, 3]);

describe('ONNX import: export -> import reproduces the engine model exactly (CPU, eval)', () => {
  it('Unet 2D (spec from metadata): same output bit for bit, same state dict', async () => {
    const { diff, imported, expected } = await roundTrip({ spec: { ...unet2d, out_channel: 3, final_activation: 'softmax', in_channel: 2 }, dims: [2, 2, 12, 16] }, 1);
    expect(diff).toBe(0);
    expect(expected.length).toBe(2 * 2 * 12 * 16);
    expect(imported.report.specSource).toBe('metadata');
    expect(imported.report.notInGraph).toEqual([]);
    expect(imported.report.mapping.every((m) => m.state === m.file)).toBe(true);
  });

  it('Unet 3D, FiLMedUnet, HeMISUnet (missing contrast), Modified3DUNet with attention and FiLM', async () => {
    const cases: RoundTrip[] = [
      { spec: { ...unet2d, is_2d: false, n_filters: 2, final_activation: 'relu' }, dims: [1, 1, 8, 6, 10] },
      { spec: film, dims: [2, 1, 12, 12], extras: { context: context() } },
      { spec: { name: 'HeMISUnet', in_channel: 2, out_channel: 1, depth: 2, n_filters: 2, contrasts: ['T1w', 'T2w'] }, dims: [2, 2, 8, 8], extras: { indexesMod: [[true, false], [true, true]] } },
      {
        spec: { name: 'Modified3DUNet', in_channel: 1, out_channel: 2, n_filters: 2, attention: true, n_metadata: 3, film_layers: [0, 1, 0, 0, 0, 1, 0, 0, 0, 1] },
        dims: [2, 1, 16, 16, 16], extras: { context: context() },
      },
    ];
    for (const [i, c] of cases.entries()) {
      const { diff, imported } = await roundTrip(c, 10 + i);
      expect(diff, c.spec.name).toBe(0);
      expect(imported.spec).toEqual(JSON.parse(JSON.stringify(c.spec)));
    }
  });
});

/** Weights as Constant nodes (the float ones) and the remaining initializers listed as graph inputs (IR < 4 style). */
function weightsAsConstants(bytes: Uint8Array): Uint8Array {
  return rewrite(anonymise(bytes), (m) => {
    const g = m.graph!;
    const floats = g.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT);
    const constants = floats.map((t) => onnx.NodeProto.create({
      opType: 'Constant', name: `const_${t.name}`, output: [t.name!],
      attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { ...t, name: '' } }],
    }));
    g.initializer = g.initializer!.filter((t) => !floats.includes(t));
    g.node = [...constants, ...g.node!];
    g.input = [...g.input!, ...g.initializer.map((t) => onnx.ValueInfoProto.create({ name: t.name }))];
    m.irVersion = 3;
  });
}

describe('ONNX import: structure inference without model_spec (weights mapped by structure)', () => {
  it('Unet 2D with anonymous tensor names: spec inferred, output bit for bit', async () => {
    const spec: ModelSpec = { ...unet2d, depth: 3, out_channel: 2, final_activation: 'sigmoid' };
    const { diff, imported } = await roundTrip({ spec, dims: [1, 1, 16, 16] }, 20, anonymise);
    expect(diff).toBe(0);
    expect(imported.report.specSource).toBe('inferred');
    expect(imported.spec).toMatchObject({ name: 'Unet', in_channel: 1, out_channel: 2, depth: 3, n_filters: 4, is_2d: true, final_activation: 'sigmoid' });
    expect(imported.report.mapping.find((m) => m.state === 'encoder.down_path.0.conv1.weight')!.file).toMatch(/^onnx::Param_/);
  });

  it('Unet 2D with its weights in Constant nodes and IR 3 inputs: same output', async () => {
    const { diff, imported } = await roundTrip({ spec: unet2d, dims: [1, 1, 8, 8] }, 21, weightsAsConstants);
    expect(diff).toBe(0);
    expect(imported.report.operators.Constant).toBeGreaterThan(20);
  });

  it('Unet 3D (relu), FiLMedUnet (film_layers found by data flow), Modified3DUNet inferred', async () => {
    const cases: RoundTrip[] = [
      { spec: { ...unet2d, is_2d: false, n_filters: 2, final_activation: 'relu' }, dims: [1, 1, 8, 8, 8] },
      { spec: { ...film, final_activation: 'softmax', out_channel: 3 }, dims: [2, 1, 12, 12], extras: { context: context() } },
      { spec: { name: 'Modified3DUNet', in_channel: 2, out_channel: 1, n_filters: 2, attention: false, is_2d: false, final_activation: 'sigmoid', n_metadata: 3, film_layers: [1, 0, 0, 1, 0, 0, 0, 0, 1, 0] }, dims: [2, 2, 16, 16, 16], extras: { context: context() } },
    ];
    for (const [i, c] of cases.entries()) {
      const { diff, imported } = await roundTrip(c, 30 + i, anonymise);
      expect(diff, c.spec.name).toBe(0);
      expect(imported.spec, c.spec.name).toMatchObject(c.spec);
    }
  });

  it("HeMISUnet inferred from its 'availability' input (contrast names read from the tensor names)", async () => {
    const spec: ModelSpec = { name: 'HeMISUnet', in_channel: 3, out_channel: 1, depth: 2, n_filters: 2, contrasts: ['T1w', 'T2w', 'FLAIR'] };
    const stripMetadata = (b: Uint8Array) => rewrite(b, (m) => { m.metadataProps = []; });
    const { diff, imported } = await roundTrip({ spec, dims: [2, 3, 8, 8], extras: { indexesMod: [[true, false, true], [false, true, false]] } }, 35, stripMetadata);
    expect(diff).toBe(0);
    expect(imported.report.specSource).toBe('inferred');
    expect(imported.spec).toMatchObject({ ...spec, final_activation: 'sigmoid' });
  });
});

describe('ONNX import: the imported model trains further', () => {
  it('Adam + DiceLoss lower the loss on a toy batch', async () => {
    // No dropout, so the loss curve is not noisy (dropout_rate travels in the model_spec metadata).
    const spec: ModelSpec = { ...unet2d, dropout_rate: 0 };
    const model = await original(spec, 40);
    const { model: imported } = await importOnnx(await exportOnnx(model, spec));
    model.module.dispose();
    imported.module.train();
    const x = tensor(seededValues(2 * 16 * 16, 41), [2, 1, 16, 16]);
    const target = tensor(Float32Array.from({ length: 2 * 16 * 16 }, (_, i) => ((i % 16) > 4 && (i % 16) < 11 ? 1 : 0)), [2, 1, 16, 16]);
    const dice = createLoss({ name: 'DiceLoss' });
    const opt = new Adam(imported.module.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      opt.zeroGrad();
      const loss = dice(imported.forward(x), target);
      losses.push(await loss.item());
      loss.backward();
      opt.step();
      loss.dispose();
    }
    console.log(`[onnx import] Dice loss over 8 Adam steps: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
    expect(losses[7]).toBeLessThan(losses[0] - 0.05);
    expect(Math.max(...losses.slice(4))).toBeLessThan(losses[0]);
    imported.module.dispose();
  });

  it('trainModel with transfer_learning.retrain_model = an .onnx file (readPretrainedWithOnnx)', async () => {
    const dataset = await generateSyntheticDataset();
    const spec: ModelSpec = { name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 2, is_2d: true, final_activation: 'sigmoid' };
    const model = await original(spec, 50);
    const onnxBytes = await exportOnnx(model, spec);
    const pretrained = await model.module.stateDict();
    model.module.dispose();
    // pretrainedStateFromFile: both formats give the same state.
    const fromOnnx = await pretrainedStateFromFile(onnxBytes, 'pretrained.onnx');
    const fromSafetensors = await pretrainedStateFromFile(encodeSafetensors(pretrained), 'pretrained.safetensors');
    for (const [name, e] of pretrained) {
      expect(Array.from(fromOnnx.get(name)!.data), name).toEqual(Array.from(e.data));
      expect(Array.from(fromSafetensors.get(name)!.data), name).toEqual(Array.from(e.data));
    }

    const raw = syntheticTrainingConfig({ epochs: 1, nFilters: 2, depth: 2 });
    (raw.training_parameters as Record<string, unknown>).transfer_learning = { retrain_model: 'pretrained.onnx', retrain_fraction: 0.5, reset: false };
    const parsed = parseConfig(raw);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const output = createMemorySource('out');
    const logs: string[] = [];
    const result = await trainModel({
      config: parsed.config, data: dataset, output, maxBatchesPerEpoch: 2,
      readPretrained: readPretrainedWithOnnx(async (p) => { expect(p).toBe('pretrained.onnx'); return onnxBytes; }),
      onEvent: (e) => { if (e.type === 'log') logs.push(e.message); },
    });
    result.model.module.dispose();
    expect(logs.some((m) => /Transfer learning from pretrained.onnx: \d+ parameter tensors frozen/.test(m))).toBe(true);
    expect(Number.isFinite(result.epochs[0].train_loss)).toBe(true);
    const final = decodeSafetensors(output.files.get('final_model.safetensors')!).state;
    // Frozen first conv keeps the ONNX weights; the last conv was trained.
    expect(Array.from(final.get('encoder.down_path.0.conv1.weight')!.data)).toEqual(Array.from(pretrained.get('encoder.down_path.0.conv1.weight')!.data));
    expect(Array.from(final.get('decoder.last_conv.weight')!.data)).not.toEqual(Array.from(pretrained.get('decoder.last_conv.weight')!.data));
  }, 60_000);
});

describe('ONNX import: bad files give clear messages', () => {
  it('garbage, truncated, empty and safetensors bytes', async () => {
    setBackend('cpu');
    await expect(importOnnx(Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255), { fileName: 'junk.onnx' })).rejects.toThrow(/junk\.onnx \(300 bytes\) is not an ONNX model/);
    const model = await original(unet2d, 60);
    const bytes = await exportOnnx(model, unet2d);
    await expect(importOnnx(bytes.slice(0, Math.floor(bytes.length / 2)))).rejects.toThrow(/is not an ONNX model or is truncated|is not an ONNX model/);
    await expect(importOnnx(new Uint8Array())).rejects.toThrow(/is empty/);
    await expect(importOnnx(encodeSafetensors(await model.module.stateDict()))).rejects.toThrow(/safetensors weights file, not an ONNX model/);
    model.module.dispose();
  });

  it('an unsupported operator is named with its node', async () => {
    setBackend('cpu');
    const b = new GraphBuilder('bad');
    const x = b.addInput('input', ['batch', 1, 'height', 'width']);
    const w = b.initializer('conv.weight', new Float32Array(4 * 9), [4, 1, 3, 3]);
    const y = b.node('Conv', [x, w], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(1) });
    const z = b.node('Tanh', [y], {}, 'squash');
    b.addOutput(z, 'output', ['batch', 4, 'height', 'width']);
    await expect(importOnnx(b.encode({ opset: 17 }))).rejects.toThrow(/unknown operator 'Tanh' \(Tanh node 'squash_node'/);
  });

  it('a weight of the wrong shape names the parameter and both shapes; a missing initializer is named', async () => {
    const model = await original(unet2d, 61);
    const bytes = await exportOnnx(model, unet2d);
    model.module.dispose();
    const wrongShape = rewrite(bytes, (m) => {
      const t = m.graph!.initializer!.find((i) => i.name === 'encoder.down_path.0.conv2.weight')!;
      t.dims = [4, 4, 1, 1];
      t.rawData = new Uint8Array(4 * 4 * 4);
    });
    await expect(importOnnx(wrongShape)).rejects.toThrow(
      /parameter 'encoder\.down_path\.0\.conv2\.weight' has shape \[4, 4, 1, 1\] in the file \(tensor 'encoder\.down_path\.0\.conv2\.weight', the weight of Conv node '[^']+'\) but \[4, 4, 3, 3\] in Unet/,
    );
    const missing = rewrite(bytes, (m) => {
      m.graph!.initializer = m.graph!.initializer!.filter((i) => i.name !== 'decoder.last_conv.bias');
    });
    await expect(importOnnx(missing)).rejects.toThrow(/missing initializer 'decoder\.last_conv\.bias' \(input 2 of Conv node '[^']+'\)/);
    // A spec that does not fit the graph: the layer counts are compared.
    await expect(importOnnx(bytes, { spec: { ...unet2d, depth: 3 } })).rejects.toThrow(/do not fit Unet \(.*depth 3.*\): the file has 11 Conv, 10 BatchNormalization; the model has 15 Conv, 14 BatchNormalization/);
    await expect(importOnnx(bytes, { spec: { ...unet2d, n_filters: 8 } })).rejects.toThrow(/parameter 'encoder\.down_path\.0\.conv1\.weight' has shape \[4, 1, 3, 3\] in the file .* but \[8, 1, 3, 3\]/);
  });
});
