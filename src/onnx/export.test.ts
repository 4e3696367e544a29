/**
 * ONNX export parity: every architecture (tiny configs) is exported, run in onnxruntime-web's wasm
 * backend, and compared with the engine's eval-mode output (CPU backend) on the same input:
 * max |ort - engine| / max |engine| <= 1e-3. Weights and BatchNorm statistics are perturbed first so
 * a wrong eps, swapped mean/var or missing affine shows. Also: dynamic batch/spatial axes, metadata,
 * and clear errors for what cannot be exported.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { manualSeed, noGrad, seededValues, setBackend, tensor, type Tensor } from '../engine/index';
import { Dropout, Module } from '../nn/index';
import { DenseNet } from '../nn/models/densenet';
import { createModel, type BuiltModel, type ForwardExtras, type ModelSpec } from '../nn/models/factory';
import { decodeModel, onnxMetadata } from './builder';
import { exportOnnx, exportOnnxModel } from './export';
import { runOnnx, type OrtTensorData } from './ort';

/** Non-trivial norm parameters and running statistics (defaults are 1/0, which hide mistakes). */
async function perturb(module: Module, seed: number): Promise<void> {
  const state = await module.stateDict();
  let k = seed;
  for (const [name, entry] of state) {
    const r = seededValues(entry.data.length, k++, -1, 1);
    if (name.endsWith('running_var')) entry.data.set(r.map((v) => 1 + 0.5 * v));
    else if (name.endsWith('running_mean')) entry.data.set(r.map((v) => 0.2 * v));
    else if (entry.shape.length === 1 && /(bn|norm|batch_norm|W\.1|conv1\.1|downsample\.1)[^.]*\.weight$/.test(name)) entry.data.set(r.map((v) => 1 + 0.3 * v));
    else if (entry.shape.length === 1 && /(bn|norm|batch_norm|W\.1|conv1\.1|downsample\.1)[^.]*\.bias$/.test(name)) entry.data.set(r.map((v) => 0.1 * v));
  }
  module.loadStateDict(state);
}

interface Case {
  spec: ModelSpec;
  /** Build this module instead of createModel(spec) (configs the factory does not offer). */
  build?: () => Module & { forward(x: Tensor): Tensor };
  /** Engine backend for the reference (default cpu). */
  backend?: 'cpu' | 'webgpu';
  dims: number[];
  extras?: (n: number) => { engine: ForwardExtras; onnx: Record<string, OrtTensorData> };
}

async function engineForward(model: BuiltModel, x: Float32Array, dims: number[], extras?: ForwardExtras): Promise<Float32Array> {
  return noGrad(async () => {
    const input = tensor(x, dims);
    const y = model.forward(input, extras);
    const data = Float32Array.from(await y.data());
    input.dispose();
    y.dispose();
    return data;
  });
}

function relError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Exports the case's model, runs engine and ORT on the same input, returns the relative error. */
async function parity(c: Case, seed = 1): Promise<{ err: number; bytes: Uint8Array; model: BuiltModel; outDims: number[] }> {
  if (c.backend === 'webgpu') setBackend('webgpu', { device: (await testDevice())!.device });
  else setBackend('cpu');
  manualSeed(seed);
  const model = c.build ? wrap(c.spec, c.build()) : createModel(c.spec);
  model.module.eval();
  await perturb(model.module, seed * 1000);
  const bytes = await exportOnnx(model, c.spec);
  const x = seededValues(c.dims.reduce((a, b) => a * b, 1), seed + 7);
  const extras = c.extras?.(c.dims[0]);
  const expected = await engineForward(model, x, c.dims, extras?.engine);
  const out = await runOnnx(bytes, { input: { data: x, dims: c.dims }, ...(extras?.onnx ?? {}) });
  const err = relError(out.output.data, expected);
  return { err, bytes, model, outDims: out.output.dims };
}

/** A bare module as a BuiltModel (only forward and module are used here). */
function wrap(spec: ModelSpec, module: Module & { forward(x: Tensor): Tensor }): BuiltModel {
  return { name: spec.name, module, task: 'classification', conditioning: 'none', is2d: true, inChannel: spec.in_channel, outputs: 1, forward: (x) => module.forward(x) };
}

const unet2d: ModelSpec = { name: 'Unet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, is_2d: true };

describe('ONNX export parity with the engine (onnxruntime-web wasm)', () => {
  it('Unet 2D depth 2, nf 4, sigmoid: output [N, 1, H, W] within 1e-3', async () => {
    const { err, outDims, model } = await parity({ spec: unet2d, dims: [2, 1, 16, 16] });
    expect(outDims).toEqual([2, 1, 16, 16]);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it('Unet 2D softmax with 3 outputs (channel 0 dropped) and normalised relu', async () => {
    for (const act of ['softmax', 'relu']) {
      const { err, outDims, model } = await parity({ spec: { ...unet2d, out_channel: 3, final_activation: act, in_channel: 2 }, dims: [1, 2, 12, 20] }, 2);
      expect(outDims).toEqual([1, 2, 12, 20]);
      expect(err, act).toBeLessThan(1e-3);
      model.module.dispose();
    }
  });

  it('Unet 3D (InstanceNorm, trilinear align_corners up-sampling), odd size', async () => {
    const { err, outDims, model } = await parity({ spec: { ...unet2d, is_2d: false, depth: 2, n_filters: 2 }, dims: [1, 1, 9, 8, 10] }, 3);
    expect(outDims).toEqual([1, 1, 9, 8, 10]);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it("FiLMedUnet with FiLM everywhere and a 'metadata' input", async () => {
    const nMeta = 3;
    const spec: ModelSpec = { name: 'FiLMedUnet', in_channel: 1, out_channel: 1, depth: 2, n_filters: 4, n_metadata: nMeta, film_layers: [1, 1, 1, 1, 1, 1] };
    const meta = Float32Array.from([1, 0, 0, 0, 0, 1]);
    const { err, bytes, model } = await parity({
      spec, dims: [2, 1, 16, 16],
      extras: () => ({ engine: { context: tensor(meta, [2, nMeta]) }, onnx: { metadata: { data: meta, dims: [2, nMeta] } } }),
    }, 4);
    expect(err).toBeLessThan(1e-3);
    // Shared generator weights are one initializer, not six.
    const names = (decodeModel(bytes).graph?.initializer ?? []).map((t) => t.name ?? "");
    expect(names.filter((n) => n.endsWith('generator.linear1.weight'))).toHaveLength(1);
    expect(decodeModel(bytes).graph?.input?.map((i) => i.name)).toEqual(['input', 'metadata']);
    model.module.dispose();
  });

  it("HeMISUnet with one contrast absent in one sample ('availability' input)", async () => {
    const spec: ModelSpec = { name: 'HeMISUnet', in_channel: 3, out_channel: 1, depth: 2, n_filters: 4, contrasts: ['T1w', 'T2w', 'T2star'] };
    const avail = [[true, false, true], [true, true, true]];
    const { err, model } = await parity({
      spec, dims: [2, 3, 16, 16],
      extras: () => ({ engine: { indexesMod: avail }, onnx: { availability: { data: Float32Array.from(avail.flat().map(Number)), dims: [2, 3] } } }),
    }, 5);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it('HeMISUnet with a single available contrast (variance 0, not NaN)', async () => {
    const spec: ModelSpec = { name: 'HeMISUnet', in_channel: 2, out_channel: 1, depth: 2, n_filters: 4, contrasts: ['T1w', 'T2w'] };
    const avail = [[false, true]];
    const { err, model } = await parity({
      spec, dims: [1, 2, 8, 8],
      extras: () => ({ engine: { indexesMod: avail }, onnx: { availability: { data: Float32Array.from([0, 1]), dims: [1, 2] } } }),
    }, 6);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it('Modified3DUNet F=2 without and with attention, 2 outputs, 32x16x16', async () => {
    for (const attention of [false, true]) {
      const spec: ModelSpec = { name: 'Modified3DUNet', in_channel: 1, out_channel: 2, n_filters: 2, attention, final_activation: 'sigmoid' };
      const { err, outDims, model } = await parity({ spec, dims: [1, 1, 32, 16, 16] }, 7);
      expect(outDims).toEqual([1, 1, 32, 16, 16]);
      expect(err, `attention ${attention}`).toBeLessThan(1e-3);
      model.module.dispose();
    }
  });

  it('Modified3DUNet with FiLM layers (metadata input), relu activation', async () => {
    const spec: ModelSpec = {
      name: 'Modified3DUNet', in_channel: 1, out_channel: 1, n_filters: 2, final_activation: 'relu', n_metadata: 2, film_layers: [1, 0, 1, 0, 1, 1, 0, 0, 1, 1],
    };
    const meta = Float32Array.from([0, 1]);
    const { err, model } = await parity({
      spec, dims: [1, 1, 16, 16, 16],
      extras: () => ({ engine: { context: tensor(meta, [1, 2]) }, onnx: { metadata: { data: meta, dims: [1, 2] } } }),
    }, 8);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it('resnet18: class probabilities [N, 1]', async () => {
    const { err, outDims, model } = await parity({ spec: { name: 'resnet18', in_channel: 1, out_channel: 1 }, dims: [2, 1, 32, 32] }, 9);
    expect(outDims).toEqual([2, 1]);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  it('DenseNet (small config: growth 4, blocks [2, 3], 3 classes): probabilities [N, 2]', async () => {
    const build = () => new DenseNet({ growthRate: 4, blockConfig: [2, 3], numInitFeatures: 8, bnSize: 2, numClasses: 3 });
    const { err, outDims, model } = await parity({ spec: { name: 'densenet121', in_channel: 1, out_channel: 3 }, build, dims: [2, 1, 24, 24] }, 10);
    expect(outDims).toEqual([2, 2]);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  });

  // ~20 GMAC whatever the input (conv1 pads by 40): ~8 s in ORT wasm, ~11 s on the engine's WebGPU
  // backend here (lavapipe); the CPU backend would take minutes.
  it('Countception (engine on WebGPU): heat map [N, 1, H, W]', async () => {
    const { err, outDims, model } = await parity({ spec: { name: 'Countception', in_channel: 1, out_channel: 1 }, dims: [1, 1, 4, 4], backend: 'webgpu' }, 12);
    expect(outDims).toEqual([1, 1, 4, 4]);
    expect(err).toBeLessThan(1e-3);
    model.module.dispose();
  }, 120_000);

  it('the comparison can fail: one changed running_var in the engine model is caught', async () => {
    setBackend('cpu');
    manualSeed(13);
    const model = createModel(unet2d);
    model.module.eval();
    await perturb(model.module, 13);
    const bytes = await exportOnnx(model, unet2d);
    const state = await model.module.stateDict();
    state.get('decoder.up_path.0.downconv.conv2_bn.running_var')!.data[0] *= 3;
    model.module.loadStateDict(state);
    const x = seededValues(256, 14);
    const expected = await engineForward(model, x, [1, 1, 16, 16]);
    const out = await runOnnx(bytes, { input: { data: x, dims: [1, 1, 16, 16] } });
    expect(relError(out.output.data, expected)).toBeGreaterThan(1e-3);
    model.module.dispose();
  });
});

describe('ONNX graph signature', () => {
  it('ivadomed names and dynamic axes; one export runs at two batch/spatial sizes', async () => {
    setBackend('cpu');
    manualSeed(11);
    const model = createModel(unet2d);
    model.module.eval();
    const exp = await exportOnnxModel(model, unet2d, { metadata: { slice_axis: 'axial', target_suffix: '["_seg-manual"]' } });
    expect(exp.inputs).toEqual([{ name: 'input', dims: ['batch', 1, 'height', 'width'] }]);
    expect(exp.outputs).toEqual([{ name: 'output', dims: ['batch', 1, 'height', 'width'] }]);
    expect(exp.opTypes).not.toContain('ConvTranspose');
    const decoded = decodeModel(exp.bytes);
    expect(Number(decoded.opsetImport[0].version)).toBe(17);
    const props = onnxMetadata(exp.bytes);
    expect(props.slice_axis).toBe('axial');
    expect(JSON.parse(props.model_spec)).toEqual(unet2d);
    for (const dims of [[1, 1, 8, 8], [3, 1, 20, 12]]) {
      const x = seededValues(dims.reduce((a, b) => a * b, 1), dims[0]);
      const expected = await engineForward(model, x, dims);
      const out = await runOnnx(exp.bytes, { input: { data: x, dims } });
      expect(out.output.dims).toEqual(dims);
      expect(relError(out.output.data, expected)).toBeLessThan(1e-3);
    }
    model.module.dispose();
  });

  it('an unsupported module is refused with its class name; a bad opset is refused', async () => {
    setBackend('cpu');
    class Mystery extends Module {
      readonly drop = this.child('drop', new Dropout(0.1));
    }
    await expect(exportOnnx(new Mystery())).rejects.toThrow(/no ONNX emitter for module Mystery/);
    const model = createModel(unet2d);
    await expect(exportOnnx(model, null, { opset: 11 })).rejects.toThrow(/opset 11 is not supported.*15, 16, 17/);
    model.module.dispose();
  });

  it('ORT errors name the missing input', async () => {
    setBackend('cpu');
    const spec: ModelSpec = { name: 'FiLMedUnet', in_channel: 1, out_channel: 1, depth: 1, n_filters: 2, n_metadata: 2, film_layers: [1, 0, 0, 0] };
    const model = createModel(spec);
    const bytes = await exportOnnx(model, spec);
    await expect(runOnnx(bytes, { input: { data: new Float32Array(16), dims: [1, 1, 4, 4] } })).rejects.toThrow(/missing input\(s\) metadata/);
    model.module.dispose();
  });
});

