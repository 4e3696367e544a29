import { describe, expect, it } from 'vitest';
import {
  tensor, setBackend, conv2d, conv3d, maxPool, avgPool, adaptiveAvgPool, globalAvgPool, interpolate, upsampleNearest, batchNorm,
  instanceNorm, dropout, channelDropout, film, adamUpdate, sgdUpdate, zeros, ones, scope, memory, sum,
} from '../index';
import { gradcheck, checkInput } from '../gradcheck';
import type { Tensor } from '../tensor';

setBackend('cpu');
const f64 = { dtype: 'float64' as const };
const round = (xs: ArrayLike<number>, d = 4) => Array.from(xs, (v) => +v.toFixed(d));

describe('nn ops: hand-computed values (cpu)', () => {
  it('bilinear resize matches PyTorch for align_corners false and true', async () => {
    const x = tensor([[[[1, 2], [3, 4]]]], undefined, f64);
    expect(round(await interpolate(x, { size: [4, 4], mode: 'linear' }).data())).toEqual([
      1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4,
    ]);
    expect(round(await interpolate(x, { size: [4, 4], mode: 'linear', alignCorners: true }).data())).toEqual([
      1, 1.3333, 1.6667, 2, 1.6667, 2, 2.3333, 2.6667, 2.3333, 2.6667, 3, 3.3333, 3, 3.3333, 3.6667, 4,
    ]);
    expect([...(await upsampleNearest(x, 2).data())]).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('1-D downsampling: linear and nearest source indices as PyTorch', async () => {
    const x = tensor([[[0, 1, 2, 3, 4]]], undefined, f64);
    expect(round(await interpolate(x, { size: [2], mode: 'linear' }).data())).toEqual([0.75, 3.25]);
    expect([...(await interpolate(x, { size: [3] }).data())]).toEqual([0, 1, 3]);
    expect(round(await interpolate(x, { size: [3], mode: 'linear', alignCorners: true }).data())).toEqual([0, 2, 4]);
  });

  it('batchNorm of a tiny tensor, running statistics with momentum and unbiased variance', async () => {
    const x = tensor([[1], [3]], undefined, f64);
    const rm = zeros([1], f64);
    const rv = ones([1], f64);
    const y = batchNorm(x, { training: true, runningMean: rm, runningVar: rv, momentum: 0.1 });
    const s = 1 / Math.sqrt(1 + 1e-5);
    expect(round(await y.data(), 8)).toEqual(round([-s, s], 8));
    expect(round(await rm.data(), 10)).toEqual([0.2]);
    expect(round(await rv.data(), 10)).toEqual([1.1]); // 0.9 * 1 + 0.1 * 2 (unbiased var of [1, 3])
    const e = batchNorm(tensor([[2.2]], undefined, f64), { training: false, runningMean: rm, runningVar: rv, weight: tensor([2], undefined, f64), bias: tensor([1], undefined, f64) });
    expect(round(await e.data(), 6)).toEqual([+(1 + (2 * 2) / Math.sqrt(1.1 + 1e-5)).toFixed(6)]);
  });

  it('instanceNorm normalises each (sample, channel) over space', async () => {
    const x = tensor([[[1, 2, 3, 4]], [[10, 10, 20, 20]]], undefined, f64); // [2, 1, 4]
    const y = await instanceNorm(x, { eps: 0 }).data();
    const a = Math.sqrt(1.25);
    expect(round(y, 6)).toEqual(round([-1.5 / a, -0.5 / a, 0.5 / a, 1.5 / a, -1, -1, 1, 1], 6));
  });

  it("Adam's first step moves each parameter by lr (PyTorch), AdamW decays first", async () => {
    const p = tensor([1, -2], undefined, f64);
    const g = tensor([0.5, 0.25], undefined, f64);
    const m = zeros([2], f64);
    const v = zeros([2], f64);
    adamUpdate(p, g, m, v, { lr: 0.1, step: 1 });
    expect(round(await p.data(), 6)).toEqual([0.9, -2.1]);
    expect(round(await m.data(), 6)).toEqual([0.05, 0.025]);
    expect(round(await v.data(), 8)).toEqual([0.00025, 0.0000625]);
    const q = tensor([1], undefined, f64);
    adamUpdate(q, tensor([0.5], undefined, f64), zeros([1], f64), zeros([1], f64), { lr: 0.1, step: 1, weightDecay: 0.1, decoupled: true });
    expect(round(await q.data(), 6)).toEqual([0.89]);
  });

  it('SGD with Nesterov momentum over two steps', async () => {
    const p = tensor([1], undefined, f64);
    const g = tensor([0.5], undefined, f64);
    const buf = zeros([1], f64);
    sgdUpdate(p, g, buf, { lr: 0.1, momentum: 0.9, nesterov: true, firstStep: true });
    expect(round(await p.data(), 6)).toEqual([0.905]);
    sgdUpdate(p, g, buf, { lr: 0.1, momentum: 0.9, nesterov: true, firstStep: false });
    expect(round(await p.data(), 6)).toEqual([0.7695]);
    expect(() => sgdUpdate(p, g, null, { lr: 0.1, momentum: 0.9, firstStep: true })).toThrow(/momentum buffer/);
  });

  it('pooling values: max, avg with padding (count_include_pad both ways), adaptive', async () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], undefined, f64);
    expect([...(await maxPool(x, { kernel: 2, stride: 1 }).data())]).toEqual([5, 6, 8, 9]);
    expect([...(await avgPool(x, { kernel: 2, stride: 2, padding: 1 }).data())]).toEqual([0.25, 5 / 4, 11 / 4, 7]);
    expect([...(await avgPool(x, { kernel: 2, stride: 2, padding: 1, countIncludePad: false }).data())]).toEqual([1, 2.5, 5.5, 7]);
    expect([...(await adaptiveAvgPool(x, 2).data())]).toEqual([3, 4, 6, 7]);
    expect([...(await globalAvgPool(x).data())]).toEqual([5]);
  });

  it('conv2d of a hand-worked case', async () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], undefined, f64);
    const w = tensor([[[[1, 0], [0, -1]]]], undefined, f64);
    expect([...(await conv2d(x, w, tensor([10], undefined, f64)).data())]).toEqual([6, 6, 6, 6]);
    expect(() => conv2d(x, tensor([[[[1]]], [[[1]]]], undefined, f64).reshape([1, 2, 1, 1]))).toThrow(/expects 2 input channels/);
  });

  it('dropout: same seed same mask, scaled by 1/(1-p); channel dropout zeroes whole channels; eval is identity', async () => {
    const x = ones([2, 3, 4, 4], f64);
    const a = await dropout(x, 0.5, { seed: { seed: 7, stream: 1 } }).data();
    const b = await dropout(x, 0.5, { seed: { seed: 7, stream: 1 } }).data();
    expect([...a]).toEqual([...b]);
    expect(new Set(a)).toEqual(new Set([0, 2]));
    const kept = a.filter((v) => v === 2).length / a.length;
    expect(kept).toBeGreaterThan(0.35);
    expect(kept).toBeLessThan(0.65);
    const c = await channelDropout(x, 0.5, { seed: { seed: 3, stream: 0 } }).data();
    for (let ch = 0; ch < 6; ch++) expect(new Set(c.slice(ch * 16, ch * 16 + 16)).size).toBe(1);
    expect(dropout(x, 0.5, { training: false })).toBe(x);
  });

  it('film scales and shifts per (sample, channel)', async () => {
    const x = ones([2, 2, 1, 1], f64);
    const y = film(x, tensor([[1, 2], [3, 4]], undefined, f64), tensor([[0, 1], [0, -1]], undefined, f64));
    expect([...(await y.data())]).toEqual([1, 3, 3, 3]);
  });
});

describe('nn ops: gradient checks (cpu, float64)', () => {
  const cases: Array<[string, (...x: Tensor[]) => Tensor, () => Tensor[]]> = [
    ['conv2d stride/pad/dilation + bias', (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }), () => [checkInput([2, 3, 5, 6], 1), checkInput([4, 3, 3, 2], 2), checkInput([4], 3)]],
    ['conv3d', (x, w, b) => conv3d(x, w, b, { padding: 1, stride: 2 }), () => [checkInput([1, 2, 4, 3, 5], 4), checkInput([3, 2, 3, 3, 3], 5), checkInput([3], 6)]],
    ['maxPool2d', (x) => maxPool(x, { kernel: 2 }), () => [checkInput([2, 2, 4, 5], 7)]],
    ['maxPool3d overlapping, padded', (x) => maxPool(x, { kernel: 3, stride: 2, padding: 1 }), () => [checkInput([1, 2, 5, 4, 5], 8)]],
    ['avgPool2d padded', (x) => avgPool(x, { kernel: 3, stride: 2, padding: 1 }), () => [checkInput([2, 1, 5, 6], 9)]],
    ['avgPool3d no pad count', (x) => avgPool(x, { kernel: 2, padding: 1, countIncludePad: false }), () => [checkInput([1, 2, 3, 4, 3], 10)]],
    ['adaptiveAvgPool', (x) => adaptiveAvgPool(x, [3, 2]), () => [checkInput([2, 2, 7, 5], 11)]],
    ['bilinear up', (x) => interpolate(x, { size: [7, 5], mode: 'linear' }), () => [checkInput([1, 2, 3, 4], 12)]],
    ['bilinear down align', (x) => interpolate(x, { size: [3, 2], mode: 'linear', alignCorners: true }), () => [checkInput([1, 2, 6, 5], 13)]],
    ['trilinear', (x) => interpolate(x, { scaleFactor: 2, mode: 'linear' }), () => [checkInput([1, 1, 2, 3, 2], 14)]],
    ['nearest', (x) => upsampleNearest(x, [2, 3]), () => [checkInput([1, 2, 3, 2], 15)]],
    ['batchNorm train', (x, w, b) => batchNorm(x, { training: true, weight: w, bias: b }), () => [checkInput([3, 2, 2, 3], 16), checkInput([2], 17), checkInput([2], 18)]],
    ['batchNorm eval', (x, w) => batchNorm(x, { training: false, weight: w, runningMean: tensor([0.1, -0.2], undefined, f64), runningVar: tensor([1.5, 0.7], undefined, f64) }), () => [checkInput([2, 2, 3], 19), checkInput([2], 20)]],
    ['instanceNorm affine', (x, w, b) => instanceNorm(x, { weight: w, bias: b }), () => [checkInput([2, 3, 2, 2, 2], 21), checkInput([3], 22), checkInput([3], 23)]],
    ['film', (x, g, b) => film(x, g, b), () => [checkInput([2, 3, 2, 2], 24), checkInput([2, 3], 25), checkInput([3], 26)]],
    ['dropout (fixed seed)', (x) => dropout(x, 0.3, { seed: { seed: 1, stream: 2 } }), () => [checkInput([2, 3, 4], 27)]],
    ['channelDropout (fixed seed)', (x) => channelDropout(x, 0.5, { seed: { seed: 2, stream: 2 } }), () => [checkInput([2, 4, 3], 28)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it(name, () => {
      const xs = inputs();
      expect(gradcheck(fn, xs).maxAbsError).toBeLessThan(1e-5);
      xs.forEach((x) => x.dispose());
    });
  }

  it('no tensor leaks across a forward/backward of the nn ops', () => {
    const before = memory('cpu');
    const w = checkInput([2, 1, 3, 3], 30).keep().requireGrad();
    scope(() => {
      const x = checkInput([1, 1, 8, 8], 31);
      const y = interpolate(maxPool(batchNorm(conv2d(x, w, null, { padding: 1 }), { training: true }), { kernel: 2 }), { scaleFactor: 2, mode: 'linear' });
      sum(y).backward();
    });
    w.dispose();
    expect(memory('cpu')).toMatchObject({ liveTensors: before.liveTensors, liveBytes: before.liveBytes });
  });
});
