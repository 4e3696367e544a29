/**
 * Max-pool backward over windows that tile the input (kernels/pool.wgsl pool_backward_tiles: one
 * thread per window scatters) and relu's one-pass backward, against the CPU reference: values and
 * gradients, 2D and 3D, a non-square kernel, and ties inside windows (the first maximum of a
 * window gets the gradient, as in the forward pass and on the CPU).
 */
import { describe, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { maxPool, relu, setBackend } from '../index';
import { compareBackends, seededValues } from '../testing';
import type { Tensor } from '../tensor';

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const inp = (shape: number[], seed: number) => ({ shape, values: seededValues(size(shape), seed, -2, 2) });
/** Values from {-1, 0, 1}: many ties inside each window. */
const ties = (shape: number[], seed: number) => ({ shape, values: seededValues(size(shape), seed, -1.5, 1.5).map((v) => Math.round(v)) });

describe('WebGPU max-pool scatter backward and relu backward equal the CPU', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  const cases: Array<[string, (x: Tensor) => Tensor, { shape: number[]; values: Float32Array }]> = [
    ['maxPool2d k2 tiling 8x6', (x) => maxPool(x, { kernel: 2 }), inp([2, 3, 8, 6], 1)],
    ['maxPool2d k[2,3] tiling 8x9', (x) => maxPool(x, { kernel: [2, 3] }), inp([1, 2, 8, 9], 2)],
    ['maxPool3d k2 tiling 4x6x8', (x) => maxPool(x, { kernel: 2 }), inp([1, 2, 4, 6, 8], 3)],
    ['maxPool2d k2 with ties', (x) => maxPool(x, { kernel: 2 }), ties([2, 2, 6, 10], 4)],
    ['relu with zeros and negatives', (x) => relu(x), ties([3, 4, 5, 7], 5)],
    ['relu of a long vector', (x) => relu(x), inp([100003], 6)],
  ];
  for (const [name, fn, x] of cases) {
    it.skipIf(!acquired)(name, async () => {
      await compareBackends(fn, [x], { grads: true, label: name, atol: 1e-5 });
    });
  }
});
