/**
 * ivadomed's classifiers (INVENTORY §b.6): parameter counts derived from torchvision's published
 * totals, torchvision parameter names, torchvision init (fan_out for ResNet, fan_in for DenseNet),
 * the softmax-then-drop-background output, hand-worked block behaviour, gradient flow, dropout,
 * and the same forward on CPU and WebGPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { manualSeed, memory, scope, setBackend, sum, tensor, zeros, type Tensor } from '../../engine/index';
import { BatchNorm, reinit } from '../layers';
import type { Module } from '../module';
import { DenseBlock, DenseNet, densenet121 } from './densenet';
import { BasicBlock, ResNet, resnet18 } from './resnet';

/** Deterministic input [n, 1, h, w] (kept; dispose it). */
function input(n: number, h: number, w: number, phase = 0): Tensor {
  return scope(() => tensor(Array.from({ length: n * h * w }, (_, i) => Math.sin(0.37 * i + phase) + 0.5 * Math.cos(0.11 * i)), [n, 1, h, w]).keep());
}

async function std(t: Tensor): Promise<number> {
  const d = await t.data();
  let m = 0;
  for (const v of d) m += v;
  m /= d.length;
  let s = 0;
  for (const v of d) s += (v - m) ** 2;
  return Math.sqrt(s / d.length);
}

async function expectGradEverywhere(m: Module): Promise<void> {
  for (const [name, p] of m.namedParameters()) {
    expect(p.grad, `${name} has no gradient`).not.toBeNull();
    const g = await p.grad!.data();
    let maxAbs = 0;
    for (const v of g) maxAbs = Math.max(maxAbs, Math.abs(v));
    expect(maxAbs, `${name} has an all-zero gradient`).toBeGreaterThan(1e-7);
  }
}

describe('resnet18 (ivadomed ResNet, BasicBlock [2,2,2,2])', async () => {
  const acquired = await testDevice();
  // One full-size model shared by the tests below: drawing 11M initial values is the slow part on
  // CPU. Tests run in order; the one that zeroes the convs comes last.
  let m: ResNet;
  beforeAll(() => {
    setBackend('cpu');
    manualSeed(11);
    m = resnet18();
  });
  afterAll(() => m.dispose());

  it('parameter count = torchvision resnet18 with a 1-channel conv1 and a 2-class fc; torchvision names', () => {
    // torchvision resnet18: 11,689,512 with conv1 7x7x3x64 and fc 512x1000+1000.
    const expected = 11689512 - 7 * 7 * 3 * 64 + 7 * 7 * 1 * 64 - (512 * 1000 + 1000) + (512 * 2 + 2);
    expect(expected).toBe(11171266);
    expect(m.numParameters()).toBe(expected);
    const names = m.namedParameters().map(([n]) => n);
    expect(names.length).toBe(62); // torchvision resnet18 has 62 parameter tensors
    expect(names.slice(0, 7)).toEqual([
      'conv1.weight', 'bn1.weight', 'bn1.bias', 'layer1.0.conv1.weight', 'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.conv2.weight',
    ]);
    for (const l of [2, 3, 4]) {
      expect(names).toContain(`layer${l}.0.downsample.0.weight`);
      expect(names).toContain(`layer${l}.0.downsample.1.bias`);
      expect(names).not.toContain(`layer${l}.1.downsample.0.weight`);
    }
    expect(names.some((n) => n.startsWith('layer1.0.downsample'))).toBe(false);
    expect(names).not.toContain('conv1.bias');
    expect(names.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    const shapes = new Map(m.namedParameters().map(([n, t]) => [n, t.shape]));
    expect(shapes.get('conv1.weight')).toEqual([64, 1, 7, 7]);
    expect(shapes.get('layer2.0.conv1.weight')).toEqual([128, 64, 3, 3]);
    expect(shapes.get('layer4.0.downsample.0.weight')).toEqual([512, 256, 1, 1]);
    expect(shapes.get('fc.weight')).toEqual([2, 512]);
    expect(m.namedBuffers().map(([n]) => n)).toContain('layer3.1.bn2.running_var');
  });

  it('init: convs kaiming_normal fan_out (std sqrt(2/fan_out)), BN 1/0, fc PyTorch default', async () => {
    // conv1 [64, 1, 7, 7]: fan_out 64*49 (fan_in would give std sqrt(2/49)).
    expect(await std(m.conv1.weight)).toBeCloseTo(Math.sqrt(2 / (64 * 49)), 3);
    expect(await std(m.layer2.at(0)!.downsample!.at(0)!.weight!)).toBeCloseTo(Math.sqrt(2 / 128), 2);
    expect(Array.from(await m.layer1.at(0)!.bn1.weight!.data()).every((v) => v === 1)).toBe(true);
    expect(Array.from(await m.layer1.at(0)!.bn1.bias!.data()).every((v) => v === 0)).toBe(true);
    const fcw = await m.fc.weight.data();
    const fcb = Array.from(await m.fc.bias!.data());
    const bound = 1 / Math.sqrt(512);
    expect(Math.max(...Array.from(fcw, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(fcw, Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(fcb.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(fcb.some((v) => v !== 0)).toBe(true);
  });

  it('BasicBlock without downsample adds the identity: zero conv2 in eval gives relu(x)', async () => {
    manualSeed(3);
    const b = new BasicBlock(4, 4).eval();
    expect(b.downsample).toBeNull();
    reinit(b.conv2.weight, () => zeros([4, 4, 3, 3]));
    const x = scope(() => tensor(Array.from({ length: 4 * 25 }, (_, i) => Math.sin(i)), [1, 4, 5, 5]).keep());
    const y = await b.forward(x).data();
    const xd = await x.data();
    for (let i = 0; i < xd.length; i++) expect(y[i]).toBeCloseTo(Math.max(0, xd[i]), 5);
    // A stride-2 block gets a downsample and halves the size.
    const d = new BasicBlock(4, 8, 2).eval();
    expect(d.downsample).not.toBeNull();
    expect(d.forward(x).shape).toEqual([1, 8, 3, 3]);
    x.dispose();
    b.dispose();
    d.dispose();
  });

  it.skipIf(!acquired)('WebGPU: same seed gives the same weights; logits and output agree with CPU; no leaked tensors', async () => {
    // 3 samples of 32x32 reach layer4 at 1x1: training-mode BN there normalises over 3 values.
    const x = input(3, 32, 32);
    const cpuLogits = Array.from(await m.logits(x).data());
    // Column 1 of the softmax of each row of CPU logits.
    const cpuProbs = [0, 1, 2].map((n) => 1 / (1 + Math.exp(cpuLogits[2 * n] - cpuLogits[2 * n + 1])));
    setBackend('webgpu', { device: acquired!.device });
    manualSeed(11);
    const g = resnet18();
    const before = memory('webgpu').liveTensors;
    const xg = input(3, 32, 32);
    const [logits, probs] = scope(() => [g.logits(xg).keep(), g.forward(xg).keep()]);
    const gpuLogits = Array.from(await logits.data());
    const gpuProbs = Array.from(await probs.data());
    for (const t of [logits, probs, xg]) t.dispose();
    const leaked = memory('webgpu').liveTensors - before;
    g.dispose();
    setBackend('cpu');
    x.dispose();
    expect(leaked).toBe(0);
    const scale = Math.max(...cpuLogits.map(Math.abs));
    for (let i = 0; i < cpuLogits.length; i++) expect(Math.abs(gpuLogits[i] - cpuLogits[i])).toBeLessThan(1e-3 * scale + 1e-5);
    for (let i = 0; i < cpuProbs.length; i++) expect(gpuProbs[i]).toBeCloseTo(cpuProbs[i], 4);
  }, 60000);

  it('training mode: a gradient reaches every parameter (3x1x32x32)', async () => {
    setBackend('cpu');
    const x = input(3, 32, 32, 1);
    scope(() => sum(m.train().forward(x)).backward());
    await expectGradEverywhere(m);
    for (const p of m.parameters()) p.zeroGrad();
    x.dispose();
  }, 60000);

  it('output = softmax(fc logits, 1)[:, 1:] with shape [N, 1]; zero convs give softmax(fc.bias)', async () => {
    setBackend('cpu');
    m.eval();
    const x = input(2, 16, 16);
    const logits = await m.logits(x).data();
    const p = m.forward(x);
    expect(p.shape).toEqual([2, 1]);
    const pd = await p.data();
    for (let n = 0; n < 2; n++) {
      expect(pd[n]).toBeGreaterThan(0);
      expect(pd[n]).toBeLessThan(1);
      expect(pd[n]).toBeCloseTo(1 / (1 + Math.exp(logits[2 * n] - logits[2 * n + 1])), 6);
    }
    // Zero every conv and reset the BNs (earlier training-mode passes moved their running stats):
    // eval BN then maps 0 to 0, so the pooled features are 0 and the logits are fc.bias.
    for (const [name, t] of m.namedParameters()) if (/(conv\d|downsample\.0)\.weight$/.test(name)) reinit(t, () => zeros(t.shape));
    for (const [, mod] of m.namedModules()) if (mod instanceof BatchNorm) mod.resetParameters();
    const b = await m.fc.bias!.data();
    const pz = await m.forward(x).data();
    for (let n = 0; n < 2; n++) expect(pz[n]).toBeCloseTo(1 / (1 + Math.exp(b[0] - b[1])), 6);
    expect(() => m.forward(scope(() => zeros([1, 3, 32, 32])))).toThrow(/ResNet: input must be \[N, 1, H, W\], got \[1, 3, 32, 32\]/);
    expect(() => new ResNet({ numClasses: 1 })).toThrow(/numClasses must be an integer >= 2/);
    x.dispose();
  });
});

describe('densenet121 (ivadomed DenseNet)', () => {
  // One full-size densenet121 (7M parameters) shared by the count/names and forward tests.
  let dn: DenseNet;
  beforeAll(() => {
    setBackend('cpu');
    manualSeed(1);
    dn = densenet121();
  });
  afterAll(() => dn.dispose());

  it('parameter count = torchvision densenet121 with a 1-channel conv0 and a 2-class classifier; torchvision names', () => {
    const m = dn;
    // torchvision densenet121: 7,978,856 with conv0 7x7x3x64 and classifier 1024x1000+1000.
    const expected = 7978856 - 7 * 7 * 3 * 64 + 7 * 7 * 1 * 64 - (1024 * 1000 + 1000) + (1024 * 2 + 2);
    expect(expected).toBe(6949634);
    expect(m.numParameters()).toBe(expected);
    const names = m.namedParameters().map(([n]) => n);
    expect(names.length).toBe(364); // torchvision densenet121 has 364 parameter tensors
    expect(names.slice(0, 3)).toEqual(['features.conv0.weight', 'features.norm0.weight', 'features.norm0.bias']);
    expect(names.slice(3, 9)).toEqual([
      'features.denseblock1.denselayer1.norm1.weight', 'features.denseblock1.denselayer1.norm1.bias',
      'features.denseblock1.denselayer1.conv1.weight', 'features.denseblock1.denselayer1.norm2.weight',
      'features.denseblock1.denselayer1.norm2.bias', 'features.denseblock1.denselayer1.conv2.weight',
    ]);
    expect(names).toContain('features.denseblock3.denselayer24.conv2.weight');
    expect(names).toContain('features.denseblock4.denselayer16.norm1.bias');
    expect(names).not.toContain('features.denseblock4.denselayer17.norm1.bias');
    expect(names).toContain('features.transition3.conv.weight');
    expect(names).not.toContain('features.transition4.conv.weight');
    expect(names.slice(-4)).toEqual(['features.norm5.weight', 'features.norm5.bias', 'classifier.weight', 'classifier.bias']);
    const shapes = new Map(m.namedParameters().map(([n, t]) => [n, t.shape]));
    expect(shapes.get('features.conv0.weight')).toEqual([64, 1, 7, 7]);
    // denseblock2 starts at (64 + 6*32) / 2 = 128 features; layer 12 sees 128 + 11*32 = 480.
    expect(shapes.get('features.denseblock2.denselayer12.conv1.weight')).toEqual([128, 480, 1, 1]);
    expect(shapes.get('features.denseblock2.denselayer12.conv2.weight')).toEqual([32, 128, 3, 3]);
    expect(shapes.get('features.transition2.conv.weight')).toEqual([256, 512, 1, 1]);
    expect(shapes.get('classifier.weight')).toEqual([2, 1024]);
    expect(m.namedBuffers().map(([n]) => n)).toContain('features.norm5.running_mean');
  });

  it('init: convs kaiming_normal fan_in (std sqrt(2/fan_in)), classifier bias 0 and default weight', async () => {
    setBackend('cpu');
    manualSeed(2);
    const m = new DenseNet({ growthRate: 8, blockConfig: [2, 2], numInitFeatures: 64, bnSize: 4 });
    // conv0 [64, 1, 7, 7]: fan_in 49 (fan_out would give std sqrt(2/3136)).
    expect(await std(m.features.conv0.weight)).toBeCloseTo(Math.sqrt(2 / 49), 2);
    expect(Array.from(await m.classifier.bias!.data())).toEqual([0, 0]);
    const w = await m.classifier.weight.data();
    const bound = 1 / Math.sqrt(m.features.numFeatures);
    expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(bound);
    m.dispose();
  });

  it('a dense block outputs [input, layer1, layer2, ...] along channels (torchvision order)', async () => {
    setBackend('cpu');
    manualSeed(3);
    const block = new DenseBlock(3, 5, 2, 4, 0).eval();
    const x = scope(() => tensor(Array.from({ length: 2 * 5 * 36 }, (_, i) => Math.cos(i * 0.7)), [2, 5, 6, 6]).keep());
    const y = block.forward(x);
    expect(y.shape).toEqual([2, 5 + 3 * 4, 6, 6]);
    const [xd, yd] = [await x.data(), await y.data()];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 5 * 36; i++) expect(yd[n * 17 * 36 + i]).toBe(xd[n * 5 * 36 + i]);
    x.dispose();
    block.dispose();
  });

  it('full densenet121 forward on 1x1x32x32 (eval): a [1, 1] probability; smaller inputs are refused by name', async () => {
    setBackend('cpu');
    const m = dn.eval();
    const x = input(1, 32, 32);
    const p = m.forward(x);
    expect(p.shape).toEqual([1, 1]);
    const v = (await p.data())[0];
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
    // 29 -> conv0 15 -> pool0 8 -> 4 -> 2 -> 1 survives three transitions; 28 -> 7 does not.
    expect(m.features.minInputSize()).toBe(29);
    expect(() => scope(() => m.forward(scope(() => zeros([1, 1, 28, 28]))))).toThrow(/too small.*at least 29/);
    x.dispose();
  }, 30000);

  it('small DenseNet: a gradient reaches every parameter; dropout is active in training only', async () => {
    setBackend('cpu');
    manualSeed(5);
    const m = new DenseNet({ growthRate: 4, blockConfig: [2, 3], numInitFeatures: 8, bnSize: 2, dropoutRate: 0.3, numClasses: 3 });
    const x = input(2, 32, 32);
    const y = scope(() => {
      const out = m.forward(x);
      sum(out).backward();
      return out;
    });
    expect(y.shape).toEqual([2, 2]);
    await expectGradEverywhere(m);
    y.dispose();
    // Output = softmax over 3 classes without column 0 (eval: no dropout, same pass twice).
    m.eval();
    const l = await m.logits(x).data();
    const pe = await m.forward(x).data();
    for (let n = 0; n < 2; n++) {
      const z = Math.exp(l[3 * n]) + Math.exp(l[3 * n + 1]) + Math.exp(l[3 * n + 2]);
      expect(pe[2 * n]).toBeCloseTo(Math.exp(l[3 * n + 1]) / z, 6);
      expect(pe[2 * n + 1]).toBeCloseTo(Math.exp(l[3 * n + 2]) / z, 6);
    }
    m.train();
    const a = Array.from(await m.forward(x).data());
    const b = Array.from(await m.forward(x).data());
    expect(a).not.toEqual(b);
    m.eval();
    const c = Array.from(await m.forward(x).data());
    expect(Array.from(await m.forward(x).data())).toEqual(c);
    const noDrop = new DenseNet({ growthRate: 4, blockConfig: [2, 3], numInitFeatures: 8, bnSize: 2, dropoutRate: 0 });
    expect(Array.from(await noDrop.forward(x).data())).toEqual(Array.from(await noDrop.forward(x).data()));
    expect(() => new DenseNet({ dropoutRate: 1 })).toThrow(/dropoutRate must be in \[0, 1\)/);
    x.dispose();
    m.dispose();
    noDrop.dispose();
  });
});
