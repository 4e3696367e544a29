/**
 * The resize kernels' grid variants (kernels/resize.wgsl: *_rows for the last axis, *_grid for an
 * axis with at least 32 trailing elements) against the CPU reference, values and gradients,
 * including more rows than one grid dimension holds (rows split over y and z).
 */
import { describe, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import { interpolate, setBackend } from '../index';
import { compareBackends, seededValues } from '../testing';
import type { Tensor } from '../tensor';

const inp = (shape: number[], seed: number) => ({ shape, values: seededValues(shape.reduce((p, d) => p * d, 1), seed, -2, 2) });

describe('WebGPU resize grid variants equal the CPU', async () => {
  const acquired = await testDevice();
  if (acquired) setBackend('webgpu', { device: acquired.device });
  setBackend('cpu');

  const cases: Array<[string, (x: Tensor) => Tensor, ReturnType<typeof inp>]> = [
    ['bilinear align_corners x2 (rows, then grid over 66 columns)', (x) => interpolate(x, { scaleFactor: 2, mode: 'linear', alignCorners: true }), inp([2, 3, 7, 33], 1)],
    ['bilinear to an odd size, half-pixel', (x) => interpolate(x, { size: [13, 37], mode: 'linear' }), inp([1, 2, 5, 35], 2)],
    ['bilinear downsampling', (x) => interpolate(x, { size: [4, 40], mode: 'linear', alignCorners: true }), inp([1, 2, 11, 64], 3)],
    ['nearest x3 on the grid variant', (x) => interpolate(x, { size: [9, 33], mode: 'nearest' }), inp([2, 1, 3, 33], 4)],
    ['trilinear, depth pass over 40x34 planes', (x) => interpolate(x, { size: [5, 40, 34], mode: 'linear' }), inp([1, 2, 3, 40, 34], 5)],
    ['last axis of 70000 rows (rows split over y and z)', (x) => interpolate(x, { size: [70000, 3], mode: 'linear' }), inp([1, 1, 70000, 2], 6)],
  ];
  for (const [name, fn, x] of cases) {
    it.skipIf(!acquired)(name, async () => {
      await compareBackends(fn, [x], { grads: true, label: name, atol: 1e-4 });
    });
  }
});
