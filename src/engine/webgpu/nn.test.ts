import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import {
  setBackend, conv2d, conv3d, maxPool, avgPool, adaptiveAvgPool, globalAvgPool, interpolate, upsampleNearest, batchNorm, instanceNorm, dropout,
  channelDropout, film, adamUpdate, sgdUpdate, tensor, zeros, ones, manualSeed, dropoutMask,
} from '../index';
import { compareBackends, seededValues } from '../testing';
import type { Tensor } from '../tensor';

const inp = (shape: number[], seed: number, lo = -2, hi = 2) => ({ shape, values: seededValues(shape.reduce((p, d) => p * d, 1), seed, lo, hi) });

describe('WebGPU nn ops equal CPU ops', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  const cases: Array<[string, (...x: Tensor[]) => Tensor, Array<ReturnType<typeof inp>>]> = [
    ['conv2d 3x3 pad 1 + bias', (x, w, b) => conv2d(x, w, b, { padding: 1 }), [inp([2, 3, 9, 7], 40), inp([5, 3, 3, 3], 41), inp([5], 42)]],
    ['conv2d stride 2, dilation 2, no bias', (x, w) => conv2d(x, w, null, { stride: 2, padding: [2, 1], dilation: [2, 1] }), [inp([1, 2, 11, 10], 43), inp([3, 2, 3, 3], 44)]],
    ['conv2d 1x1', (x, w, b) => conv2d(x, w, b), [inp([2, 8, 5, 5], 45), inp([1, 8, 1, 1], 46), inp([1], 47)]],
    ['conv3d 3x3x3 pad 1', (x, w, b) => conv3d(x, w, b, { padding: 1 }), [inp([1, 2, 5, 6, 4], 48), inp([3, 2, 3, 3, 3], 49), inp([3], 50)]],
    ['maxPool2d 2x2', (x) => maxPool(x, { kernel: 2 }), [inp([2, 3, 9, 7], 1)]],
    ['maxPool3d k3 s2 p1', (x) => maxPool(x, { kernel: 3, stride: 2, padding: 1 }), [inp([1, 2, 5, 6, 7], 2)]],
    ['avgPool2d k3 s2 p1', (x) => avgPool(x, { kernel: 3, stride: 2, padding: 1 }), [inp([2, 2, 7, 9], 3)]],
    ['avgPool3d no pad count', (x) => avgPool(x, { kernel: 2, padding: 1, countIncludePad: false }), [inp([1, 2, 5, 4, 3], 4)]],
    ['adaptiveAvgPool down', (x) => adaptiveAvgPool(x, [3, 4]), [inp([2, 2, 10, 9], 5)]],
    ['adaptiveAvgPool up', (x) => adaptiveAvgPool(x, [5, 7]), [inp([1, 2, 3, 4], 6)]],
    ['globalAvgPool', (x) => globalAvgPool(x), [inp([2, 3, 5, 5, 3], 7)]],
    ['bilinear up', (x) => interpolate(x, { size: [13, 11], mode: 'linear' }), [inp([2, 2, 5, 4], 8)]],
    ['bilinear down align', (x) => interpolate(x, { size: [4, 3], mode: 'linear', alignCorners: true }), [inp([1, 2, 9, 10], 9)]],
    ['bilinear up align', (x) => interpolate(x, { scaleFactor: 2, mode: 'linear', alignCorners: true }), [inp([1, 2, 5, 6], 10)]],
    ['trilinear x2', (x) => interpolate(x, { scaleFactor: 2, mode: 'linear' }), [inp([1, 2, 3, 5, 4], 11)]],
    ['nearest x2', (x) => upsampleNearest(x, 2), [inp([2, 3, 5, 7], 12)]],
    ['nearest to odd size', (x) => interpolate(x, { size: [7, 3] }), [inp([1, 2, 5, 5], 13)]],
    ['instanceNorm affine', (x, w, b) => instanceNorm(x, { weight: w, bias: b }), [inp([2, 3, 6, 5], 14), inp([3], 15), inp([3], 16)]],
    ['batchNorm train', (x, w, b) => batchNorm(x, { training: true, weight: w, bias: b }), [inp([3, 4, 5, 3], 17), inp([4], 18), inp([4], 19)]],
    ['film', (x, g, b) => film(x, g, b), [inp([2, 3, 4, 5], 20), inp([2, 3], 21), inp([2, 3], 22)]],
    ['dropout seeded', (x) => dropout(x, 0.4, { seed: { seed: 5, stream: 9 } }), [inp([3, 4, 7, 5], 23)]],
    ['channelDropout seeded', (x) => channelDropout(x, 0.5, { seed: { seed: 6, stream: 1 } }), [inp([4, 6, 3, 3, 2], 24)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it.skipIf(!acquired)(name, async () => {
      await compareBackends(fn, inputs, { grads: true, label: name, atol: 1e-4 });
    });
  }

  it.skipIf(!acquired)('dropout masks are identical on CPU and WebGPU for one seed', async () => {
    for (const p of [0.1, 0.3, 0.5, 0.9]) {
      manualSeed(11);
      const c = await dropoutMask(zeros([1], { backend: 'cpu' }), [4, 8, 16, 16], p).data();
      manualSeed(11);
      const g = await dropoutMask(zeros([1], { backend: 'webgpu' }), [4, 8, 16, 16], p).data();
      expect(g.every((v, i) => v === c[i])).toBe(true);
      const kept = c.filter((v) => v !== 0).length / c.length;
      expect(Math.abs(kept - (1 - p))).toBeLessThan(0.03);
    }
  });

  it.skipIf(!acquired)('batchNorm running statistics update identically', async () => {
    const run = async (backend: 'cpu' | 'webgpu') => {
      const x = tensor(seededValues(3 * 4 * 5, 30), [3, 4, 5], { backend });
      const rm = zeros([4], { backend });
      const rv = ones([4], { backend });
      batchNorm(x, { training: true, runningMean: rm, runningVar: rv, momentum: 0.3 });
      return [...(await rm.data()), ...(await rv.data())];
    };
    const c = await run('cpu');
    const g = await run('webgpu');
    g.forEach((v, i) => expect(Math.abs(v - c[i])).toBeLessThan(1e-5));
  });

  it.skipIf(!acquired)('fused Adam, AdamW and SGD updates equal the CPU over three steps', async () => {
    const run = async (backend: 'cpu' | 'webgpu') => {
      const n = 1001;
      const p = [0, 1, 2].map((i) => tensor(seededValues(n, 40 + i), [n], { backend }));
      const g = tensor(seededValues(n, 50), [n], { backend });
      const m = zeros([n], { backend });
      const v = zeros([n], { backend });
      const m2 = zeros([n], { backend });
      const v2 = zeros([n], { backend });
      const buf = zeros([n], { backend });
      for (let step = 1; step <= 3; step++) {
        adamUpdate(p[0], g, m, v, { lr: 0.01, step, weightDecay: 0.1 });
        adamUpdate(p[1], g, m2, v2, { lr: 0.01, step, weightDecay: 0.1, decoupled: true, beta1: 0.8 });
        sgdUpdate(p[2], g, buf, { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.01, firstStep: step === 1 });
      }
      return Promise.all(p.map((t) => t.data()));
    };
    const c = await run('cpu');
    const g = await run('webgpu');
    for (let k = 0; k < 3; k++) for (let i = 0; i < c[k].length; i++) expect(Math.abs(g[k][i] - c[k][i])).toBeLessThan(1e-5);
  });
});
