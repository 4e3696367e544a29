/**
 * A training-step-shaped loop (conv, norm, relu, pool, upsample, concat, loss, backward, Adam) run
 * for 50 steps: live memory must not grow, and the loss must go down. On CPU always, on WebGPU
 * when an adapter is present.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import {
  setBackend, scope, memory, tensor, conv2d, batchNorm, relu, leakyRelu, maxPool, interpolate, concat, instanceNorm, sigmoid, mul, sum,
  add, div, sub, adamUpdate, zeros, ones, randn, manualSeed, type BackendName,
} from './index';
import type { Tensor } from './tensor';

function makeParams(backend: BackendName): Record<string, Tensor> {
  manualSeed(1);
  const p = (shape: number[], std: number) => scope(() => mul(randn(shape, { backend }), std)).keep().requireGrad();
  return {
    w1: p([4, 1, 3, 3], 0.4), b1: zeros([4], { backend }).keep().requireGrad(),
    w2: p([4, 4, 3, 3], 0.2), b2: zeros([4], { backend }).keep().requireGrad(),
    w3: p([1, 8, 1, 1], 0.3), b3: zeros([1], { backend }).keep().requireGrad(),
    gamma: ones([4], { backend }).keep().requireGrad(), beta: zeros([4], { backend }).keep().requireGrad(),
  };
}

async function trainLoop(backend: BackendName, steps: number) {
  const params = makeParams(backend);
  const state = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, { m: zeros([...t.shape], { backend }).keep(), v: zeros([...t.shape], { backend }).keep() }]));
  const runningMean = zeros([4], { backend }).keep();
  const runningVar = ones([4], { backend }).keep();
  // A 16x16 image with a bright square, and its mask.
  const img = new Float32Array(256);
  const lbl = new Float32Array(256);
  for (let y = 4; y < 10; y++) for (let x = 5; x < 12; x++) { img[y * 16 + x] = 1; lbl[y * 16 + x] = 1; }
  const x = tensor(img, [1, 1, 16, 16], { backend }).keep();
  const target = tensor(lbl, [1, 1, 16, 16], { backend }).keep();
  const losses: number[] = [];
  const live: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const loss = scope(() => {
      const f1 = relu(batchNorm(conv2d(x, params.w1, params.b1, { padding: 1 }), { training: true, weight: params.gamma, bias: params.beta, runningMean, runningVar }));
      const f2 = leakyRelu(instanceNorm(conv2d(maxPool(f1, { kernel: 2 }), params.w2, params.b2, { padding: 1 })), 0.01);
      const up = interpolate(f2, { scaleFactor: 2, mode: 'linear' });
      const pred = sigmoid(conv2d(concat([f1, up], 1), params.w3, params.b3));
      // Soft Dice loss: 1 - 2|P.T| / (|P| + |T|).
      const l = sub(1, div(mul(sum(mul(pred, target)), 2), add(add(sum(pred), sum(target)), 1e-6)));
      l.backward();
      return l;
    });
    scope(() => {
      for (const [k, t] of Object.entries(params)) adamUpdate(t, t.grad!, state[k].m, state[k].v, { lr: 0.05, step });
    });
    for (const t of Object.values(params)) t.zeroGrad();
    if (step === 1 || step === steps) losses.push(await loss.item());
    loss.dispose();
    live.push(memory(backend).liveBytes);
  }
  for (const t of [...Object.values(params), ...Object.values(state).flatMap((s) => [s.m, s.v]), runningMean, runningVar, x, target]) t.dispose();
  return { losses, live };
}

describe('training-step-shaped loop', async () => {
  const acquired = await testDevice();

  it('CPU: 50 steps, no growth in live bytes, loss decreases', async () => {
    const before = memory('cpu');
    const { losses, live } = await trainLoop('cpu', 50);
    expect(new Set(live.slice(1)).size).toBe(1);
    expect(losses[1]).toBeLessThan(losses[0] * 0.7);
    expect(memory('cpu')).toMatchObject({ liveBytes: before.liveBytes, liveTensors: before.liveTensors });
  });

  it.skipIf(!acquired)('WebGPU: 50 steps, no growth in live GPU bytes, loss decreases', async () => {
    setBackend('webgpu', { device: acquired!.device });
    setBackend('cpu');
    const before = memory('webgpu');
    const { losses, live } = await trainLoop('webgpu', 50);
    expect(new Set(live.slice(1)).size).toBe(1);
    expect(losses[1]).toBeLessThan(losses[0] * 0.7);
    expect(memory('webgpu')).toMatchObject({ liveBytes: before.liveBytes, liveTensors: before.liveTensors });
    expect(acquired!.uncapturedErrors).toEqual([]);
  });
});
