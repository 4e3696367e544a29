/**
 * Fused normalisation kernels (kernels/norm.wgsl via ops/norm.ts) against the CPU composition:
 * values and gradients for batch norm and instance norm with and without affine parameters,
 * rows longer than one statistics segment (4096 values, odd remainder), rank 2 and 3D inputs, a
 * large common offset (the variance must not cancel), and that the fused path is the one taken.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { add, batchNorm, instanceNorm, ones, setBackend, tensor, webgpuBackend, zeros, scope } from '../index';
import { compareBackends, seededValues } from '../testing';
import type { Tensor } from '../tensor';

const inp = (shape: number[], seed: number, lo = -2, hi = 2) => ({ shape, values: seededValues(shape.reduce((p, d) => p * d, 1), seed, lo, hi) });

describe('fused normalisation on WebGPU equals the CPU composition', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  const cases: Array<[string, (...x: Tensor[]) => Tensor, Array<ReturnType<typeof inp>>]> = [
    ['batchNorm, no affine, rows of 3 segments (odd remainder)', (x) => batchNorm(x, { training: true }), [inp([2, 3, 97, 91], 1)]],
    ['batchNorm, weight only', (x, w) => batchNorm(x, { training: true, weight: w }), [inp([3, 5, 7, 6], 2), inp([5], 3)]],
    ['batchNorm, bias only', (x, b) => batchNorm(x, { training: true, bias: b }), [inp([3, 5, 7, 6], 4), inp([5], 5)]],
    ['batchNorm rank 2 [N, C]', (x, w, b) => batchNorm(x, { training: true, weight: w, bias: b }), [inp([9, 6], 6), inp([6], 7), inp([6], 8)]],
    ['batchNorm 3D', (x, w, b) => batchNorm(x, { training: true, weight: w, bias: b }), [inp([2, 3, 5, 4, 7], 9), inp([3], 10), inp([3], 11)]],
    ['batchNorm, values far from zero', (x, w) => batchNorm(add(x, 1000), { training: true, weight: w }), [inp([4, 3, 11, 13], 12), inp([3], 13)]],
    ['instanceNorm, no affine, long rows', (x) => instanceNorm(x), [inp([2, 3, 71, 67], 14)]],
    ['instanceNorm 3D affine', (x, w, b) => instanceNorm(x, { weight: w, bias: b }), [inp([3, 2, 4, 5, 6], 15), inp([2], 16), inp([2], 17)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it.skipIf(!acquired)(name, async () => {
      await compareBackends(fn, inputs, { grads: true, label: name, atol: 2e-4, rtol: 2e-4 });
    });
  }

  it.skipIf(!acquired)('running statistics over several segments match the CPU', async () => {
    const shape = [2, 3, 70, 70];
    const run = async (backend: 'cpu' | 'webgpu') => {
      const x = tensor(seededValues(2 * 3 * 70 * 70, 30, 0, 3), shape, { backend });
      const rm = zeros([3], { backend });
      const rv = ones([3], { backend });
      scope(() => batchNorm(x, { training: true, runningMean: rm, runningVar: rv, momentum: 0.3 }));
      return [...(await rm.data()), ...(await rv.data())];
    };
    const c = await run('cpu');
    const g = await run('webgpu');
    g.forEach((v, i) => expect(Math.abs(v - c[i])).toBeLessThan(1e-5));
  });

  it.skipIf(!acquired)('training batch norm takes the fused kernels (few dispatches)', async () => {
    setBackend('webgpu', { device: acquired!.device });
    const ctx = webgpuBackend()!.ctx;
    const x = tensor(seededValues(4 * 8 * 16 * 16, 31), [4, 8, 16, 16], { requiresGrad: true });
    const w = tensor(seededValues(8, 32), [8], { requiresGrad: true });
    const b = tensor(seededValues(8, 33), [8], { requiresGrad: true });
    const before = ctx.dispatchCount;
    const y = scope(() => batchNorm(x, { training: true, weight: w, bias: b }));
    const forward = ctx.dispatchCount - before;
    y.backward(ones(y.shape));
    await x.grad!.data();
    // Forward: statistics (2) + normalise (1); the composition needs about a dozen.
    expect(forward).toBe(3);
    for (const t of [x, w, b, y]) t.dispose();
    setBackend('cpu');
  });
});
